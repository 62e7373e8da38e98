package functions_test

import (
	"bufio"
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFunctionsKeepNoReflectMethod: no function linked into any of the
// five Lambda functions looks a method up by reflection
// (reflect.Value.Method, MethodByName). One such call anywhere makes the
// linker keep every exported method of every reachable type — every
// operation of the AWS clients — which is what made the acknowledger's
// bootstrap 16.5 MB (text/template's executor did it; package ack renders
// without it) and the webhook and tickets functions' 16.4 and 15.7 MB
// (html/template's, for the dashboard; package httpapi writes the page
// without it). The linker's dependency dump marks such functions
// <ReflectMethod>; this lists them with the edge that reached each. Built
// for the host, as TestMain did, so only the link runs; `make sizes`
// measures the linux/arm64 bytes.
func TestFunctionsKeepNoReflectMethod(t *testing.T) {
	for _, fn := range []string{"webhook", "tickets", "acknowledger", "checker", "oncall"} {
		t.Run(fn, func(t *testing.T) { keepsNoReflectMethod(t, fn) })
	}
}

func keepsNoReflectMethod(t *testing.T, fn string) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := lambdaGoCommand(root, goTool(t), "build", "-buildvcs=false", "-ldflags=-s -w -buildid= -dumpdep", "-o", out, "./functions/"+fn)
	var deps, stdout bytes.Buffer
	cmd.Stderr, cmd.Stdout = &deps, &stdout
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, tail(deps.String(), 2000))
	}
	if _, err := os.Stat(out); err != nil {
		t.Fatal(err)
	}
	lines := 0
	marked := map[string]bool{} // functions marked, by name
	sc := bufio.NewScanner(&deps)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines++
		// "text/template.(*state).evalField <ReflectMethod> -> reflect.Value.MethodByName"
		for _, side := range strings.Split(sc.Text(), " -> ") {
			if name, ok := strings.CutSuffix(side, " <ReflectMethod>"); ok {
				marked[name] = true
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if lines < 1000 { // the dump is on stderr; without it the test proves nothing
		t.Fatalf("the linker's dependency dump has %d lines:\n%s", lines, tail(deps.String(), 2000))
	}
	var callers []string
	for _, name := range slices.Sorted(maps.Keys(marked)) {
		if !strings.HasPrefix(name, "reflect.") {
			callers = append(callers, name)
		}
	}
	if len(marked) > 0 {
		t.Errorf("%s links a reflective method lookup: %d functions marked <ReflectMethod>, outside package reflect: %s",
			fn, len(marked), strings.Join(callers, ", "))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
