# The README's two commands: `make demo` (the main job) and `make test` (every test).
.PHONY: setup build agent demo test lint bench typecheck clean

setup:
	@bash scripts/setup.sh

build: setup
	@node scripts/build.mjs

agent: setup
	@node scripts/build.mjs

demo: build
	node bin/kiln.js run examples/node-app/pipeline.yaml --workspace source=examples/node-app

test: build
	npm run lint
	npx tsc --noEmit -p .
	npx vitest run

lint:
	npm run lint

bench: build
	node bench/run-all.mjs

typecheck:
	npx tsc --noEmit -p .

clean:
	rm -rf dist .kiln
