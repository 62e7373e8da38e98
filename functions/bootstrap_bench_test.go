package functions_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/functions/internal/runtimeapi"
)

// BenchmarkBootstrapStart runs each function's bootstrap, as TestMain
// built it, until it exits: without SLAWATCH_TABLE lambdaenv.Load fails
// right after the logger and the embedded default configuration, so a run
// is the part of a cold start that needs no network — exec, the Go
// runtime, every package's initialisation (the AWS clients' schemas and
// endpoint tables) and the configuration's parse. Baseline (floor): a Go
// program that exits at once, built in the same run with the same flags —
// what any Go bootstrap pays to start. Every iteration runs each binary
// once, in a new random order, so that the machine's load drifts over all
// alike; reported are the medians (ms/<function>, ms/floor), robust to the
// stalls of a shared machine where the mean (ns/op, all of them together)
// is not.
func BenchmarkBootstrapStart(b *testing.B) {
	names := []string{"floor"}
	bins := map[string]string{"floor": buildFloor(b)}
	for _, pkg := range bootstraps {
		name := filepath.Base(pkg)
		bins[name] = runtimeapi.Build(b, pkg)
		names = append(names, name)
	}
	took := map[string][]time.Duration{}
	var stderr bytes.Buffer
	for b.Loop() {
		for _, i := range rand.Perm(len(names)) {
			name := names[i]
			stderr.Reset()
			cmd := exec.Command(bins[name])
			cmd.Env = []string{"AWS_REGION=us-east-1"}
			cmd.Stderr, cmd.Stdout = &stderr, &stderr
			start := time.Now()
			err := cmd.Run()
			took[name] = append(took[name], time.Since(start))
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				b.Fatalf("%s: %v, want exit status 1\n%s", name, err, stderr.String())
			}
			// It stopped where it should: at the missing table, not earlier.
			if name != "floor" && !strings.Contains(stderr.String(), "SLAWATCH_TABLE is not set") {
				b.Fatalf("%s stopped elsewhere:\n%s", name, stderr.String())
			}
		}
	}
	for _, name := range names {
		d := took[name]
		slices.Sort(d)
		b.ReportMetric(float64(d[len(d)/2])/float64(time.Millisecond), "ms/"+name)
	}
}

// buildFloor builds a Go program that exits with status 1 at once, as the
// bootstraps are built (runtimeapi.Build: CGO off, -trimpath, stripped).
func buildFloor(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	files := map[string]string{
		"go.mod":  "module floor\n\ngo 1.26\n",
		"main.go": "package main\n\nimport \"os\"\n\nfunc main() { os.Exit(1) }\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	goBin, err := runtimeapi.GoTool()
	if err != nil {
		b.Fatal(err)
	}
	out := filepath.Join(dir, "floor")
	cmd := exec.Command(goBin, "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build the floor: %v\n%s", err, msg)
	}
	return out
}
