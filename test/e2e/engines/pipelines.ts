// Pipelines run on both engines by engines.test.ts: results, params, a workspace shared by tasks,
// a skip by `when`, onError: continue, a failing step that skips the rest, finally, a dependency
// cache, and a pipeline timeout.
export const parityPipeline = (image: string) => `name: parity
params:
  who: { default: world }
workspaces: [shared]
tasks:
  make:
    image: ${image}
    results: [greeting]
    steps:
      - name: write
        workingDir: $(workspaces.shared.path)
        run: |
          echo "making for $(params.who)"
          printf 'hello %s' "$(params.who)" > $(results.greeting.path)
          echo kept > note
      - name: warn
        onError: continue
        run: echo "a warning" >&2; exit 4
  use:
    image: ${image}
    needs: [make]
    steps:
      - run: echo "got $(tasks.make.results.greeting)"; cat $(workspaces.shared.path)/note
  never:
    image: ${image}
    when: ["$(params.who) in [nobody]"]
    steps:
      - run: echo never
  breaks:
    image: ${image}
    needs: [use]
    steps:
      - name: fail
        run: echo breaking; exit 3
      - name: after
        run: echo not reached
finally:
  report:
    image: ${image}
    steps:
      - run: echo finally
`;

export const cachePipeline = (image: string) => `name: cached
workspaces: [source]
tasks:
  deps:
    image: ${image}
    steps:
      - name: fetch
        workingDir: $(workspaces.source.path)
        cache: { key: "deps-v1", paths: [deps] }
        run: |
          if [ -f deps/lib ]; then echo "deps restored"; else mkdir -p deps; echo lib > deps/lib; echo "deps fetched"; fi
`;

export const timeoutPipeline = (image: string) => `name: slow
timeout: 3s
tasks:
  wait:
    image: ${image}
    steps:
      - run: echo started; sleep 60
`;

/**
 * Tekton's step-level features the agent carries out: a step `when` (a param, an earlier step's
 * result, CEL), a step result never written (left as written, said in the log), artifacts from a
 * step and between tasks, and a StepAction given a step result.
 */
export const tektonStepsRun = (image: string) => `apiVersion: tekton.dev/v1beta1
kind: StepAction
metadata:
  name: show-value
spec:
  params:
    - name: value
  image: ${image}
  command: [sh, -c, 'echo "action got $0"']
  args: ["$(params.value)"]
---
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: tekton-steps
spec:
  params:
    - name: mode
      value: fast
  pipelineSpec:
    params:
      - name: mode
    tasks:
      - name: make
        taskSpec:
          steps:
            - name: produce
              image: ${image}
              results: [{ name: answer }, { name: silent }]
              script: |
                printf yes > $(step.results.answer.path)
                printf '%s' '{"outputs":[{"name":"image","values":[{"uri":"pkg:oci/app"}]}]}' > $(step.artifacts.path)
                printf '%s' '{"outputs":[{"name":"bundle","values":[{"uri":"pkg:generic/b"}]}]}' > $(artifacts.path)
            - name: by-result
              image: ${image}
              when: [{ input: "$(steps.produce.results.answer)", operator: in, values: ["no"] }]
              script: echo "must not run"
            - name: by-cel
              image: ${image}
              when: [{ cel: "'$(params.mode)' == 'fast'" }]
              env: [{ name: SILENT, value: "$(steps.produce.results.silent)" }]
              script: |
                echo "cel held; silent is $SILENT"
                echo 'image $(steps.produce.outputs.image)'
            - name: action
              ref: { name: show-value }
              params: [{ name: value, value: "$(steps.produce.results.answer)" }]
      - name: use
        taskSpec:
          steps:
            - name: read
              image: ${image}
              script: echo 'bundle $(tasks.make.outputs.bundle)'
`;
