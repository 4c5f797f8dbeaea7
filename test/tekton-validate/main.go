// tekton-validate runs Tekton's own SetDefaults and Validate on every Task, Pipeline and
// PipelineRun of the YAML files it is given (multi-document), as the Tekton webhook would on
// `kubectl apply`. Unknown fields are errors (strict decoding, as kubectl --validate=strict).
// It prints one line per document, `OK kind/name` or `FAIL kind/name: errors`, and exits 1 when
// any document fails, 2 when a file cannot be read. `-flags k=v,k=v` sets fields of Tekton's
// feature-flags ConfigMap (the defaults otherwise), as a cluster whose operator set them would.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/tektoncd/pipeline/pkg/apis/config"
	v1 "github.com/tektoncd/pipeline/pkg/apis/pipeline/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"knative.dev/pkg/apis"
	"sigs.k8s.io/yaml"
)

type object interface {
	SetDefaults(context.Context)
	Validate(context.Context) *apis.FieldError
}

type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name         string `json:"name"`
		GenerateName string `json:"generateName"`
	} `json:"metadata"`
}

func newObject(kind string) object {
	switch kind {
	case "Task":
		return &v1.Task{}
	case "Pipeline":
		return &v1.Pipeline{}
	case "PipelineRun":
		return &v1.PipelineRun{}
	case "TaskRun":
		return &v1.TaskRun{}
	}
	return nil
}

func check(ctx context.Context, doc []byte) (string, error) {
	var h header
	if err := yaml.Unmarshal(doc, &h); err != nil {
		return "?", err
	}
	name := fmt.Sprintf("%s/%s%s", h.Kind, h.Metadata.Name, h.Metadata.GenerateName)
	obj := newObject(h.Kind)
	if obj == nil {
		return name, nil
	}
	if h.APIVersion != "tekton.dev/v1" {
		return name, fmt.Errorf("apiVersion %q: the export writes tekton.dev/v1", h.APIVersion)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return name, err
	}
	// The API server names a generateName object before the webhook sees it.
	if m, ok := obj.(metav1.Object); ok && m.GetName() == "" && m.GetGenerateName() != "" {
		m.SetName(m.GetGenerateName() + "x7k2q")
	}
	obj.SetDefaults(ctx)
	if err := obj.Validate(ctx); err != nil {
		return name, err
	}
	return name, nil
}

// withFeatureFlags is ctx with Tekton's config, its feature flags read from "k=v,k=v".
func withFeatureFlags(ctx context.Context, spec string) (context.Context, error) {
	values := map[string]string{}
	for _, kv := range strings.Split(spec, ",") {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return ctx, fmt.Errorf("-flags: %q is not key=value", kv)
		}
		values[k] = v
	}
	flags, err := config.NewFeatureFlagsFromMap(values)
	if err != nil {
		return ctx, err
	}
	cfg := config.FromContextOrDefaults(ctx)
	cfg.FeatureFlags = flags
	return config.ToContext(ctx, cfg), nil
}

func main() {
	flagSpec := flag.String("flags", "", "feature flags, key=value,key=value")
	flag.Parse()
	ctx, err := withFeatureFlags(context.Background(), *flagSpec)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	failed := false
	for _, file := range flag.Args() {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		reader := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
		for {
			doc, err := reader.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", file, err)
				os.Exit(2)
			}
			if len(strings.TrimSpace(string(doc))) == 0 {
				continue
			}
			name, err := check(ctx, doc)
			if err != nil {
				failed = true
				fmt.Printf("FAIL %s (%s): %v\n", name, file, strings.ReplaceAll(err.Error(), "\n", "; "))
			} else {
				fmt.Printf("OK %s\n", name)
			}
		}
	}
	if failed {
		os.Exit(1)
	}
}
