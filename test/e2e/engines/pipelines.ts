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
