// argo-schema validates Argo Workflow documents (JSON files) against the JSON schema Argo
// publishes in its Go module (api/jsonschema/schema.json), made strict: an object schema that lists
// its properties allows no others, as the workflow controller's own decoding (and kubectl
// --validate=strict) would refuse unknown fields. Kiln's export tests run it; it reads Argo's
// schema only and builds none of Argo's code.
//
//	argo-schema SCHEMA.json FILE.json...    exit 0: all valid; 1: each problem printed
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

const workflowDef = "io.argoproj.workflow.v1alpha1.Workflow"

// closeObjects forbids properties an object schema does not list, except where Kubernetes keeps
// unknown fields on purpose (x-kubernetes-preserve-unknown-fields).
func closeObjects(v any) {
	switch t := v.(type) {
	case map[string]any:
		if props, ok := t["properties"].(map[string]any); ok && len(props) > 0 {
			if _, has := t["additionalProperties"]; !has && t["x-kubernetes-preserve-unknown-fields"] != true {
				t["additionalProperties"] = false
			}
		}
		for _, c := range t {
			closeObjects(c)
		}
	case []any:
		for _, c := range t {
			closeObjects(c)
		}
	}
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: argo-schema SCHEMA.json FILE.json...")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var schema map[string]any
	if err := json.Unmarshal(raw, &schema); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	closeObjects(schema)
	// Validate against the Workflow definition itself (the root is a oneOf of every kind).
	delete(schema, "oneOf")
	schema["$ref"] = "#/definitions/" + workflowDef
	c := jsonschema.NewCompiler()
	if err := c.AddResource("argo.json", schema); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	sch, err := c.Compile("argo.json")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	failed := false
	for _, file := range os.Args[2:] {
		f, err := os.Open(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
			os.Exit(2)
		}
		if err := sch.Validate(doc); err != nil {
			failed = true
			fmt.Printf("%s: %v\n", file, err)
		}
	}
	if failed {
		os.Exit(1)
	}
}
