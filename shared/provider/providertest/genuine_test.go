package providertest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/slawatch/slawatch/shared/provider/providertest"
)

// recorder is a testing.TB that keeps the failures it is told of.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) {
	r.Errorf("%s", fmt.Sprint(args...))
	runtime.Goexit()
}

// failures runs f against a recorder on a goroutine of its own, so that
// Fatal stops f alone, and returns what f reported.
func failures(t *testing.T, f func(tb testing.TB)) []string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.failures
}

// TestCheckCorpus puts each defect CheckCorpus exists to catch into a
// folder of its own and checks it is reported, naming the file.
func TestCheckCorpus(t *testing.T) {
	const sources = "| `a.json` | somewhere |\n| `b.json` | elsewhere |\n"
	tests := []struct {
		name    string
		files   map[string]string // file name → contents
		covered []string
		want    string // a failure containing this; empty: no failure
	}{
		{"complete", map[string]string{"a.json": "{}", "b.json": "{}", "SOURCES.md": sources}, []string{"a.json", "b.json"}, ""},
		{"a file the table misses", map[string]string{"a.json": "{}", "b.json": "{}", "SOURCES.md": sources}, []string{"a.json"}, "b.json has no expected result"},
		{"a name with no file", map[string]string{"a.json": "{}", "SOURCES.md": sources}, []string{"a.json", "b.json"}, "b.json is covered but not in"},
		{"a name covered twice", map[string]string{"a.json": "{}", "SOURCES.md": sources}, []string{"a.json", "a.json"}, "a.json is covered twice"},
		{"a file SOURCES.md does not name", map[string]string{"a.json": "{}", "c.json": "{}", "SOURCES.md": sources}, []string{"a.json", "c.json"}, "does not say where c.json comes from"},
		// Named, but not as code: the check looks for `c.json`.
		{"a file SOURCES.md names without backticks", map[string]string{"c.json": "{}", "SOURCES.md": "| c.json | x |\n"}, []string{"c.json"}, "does not say where c.json comes from"},
		{"no SOURCES.md", map[string]string{"a.json": "{}"}, []string{"a.json"}, "SOURCES.md"},
		{"an empty folder", map[string]string{"SOURCES.md": sources}, nil, "no payloads in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range tt.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := failures(t, func(tb testing.TB) { providertest.CheckCorpus(tb, dir, tt.covered) })
			if tt.want == "" {
				if len(got) != 0 {
					t.Errorf("failures %q, want none", got)
				}
				return
			}
			if !strings.Contains(strings.Join(got, "\n"), tt.want) {
				t.Errorf("failures %q, want one containing %q", got, tt.want)
			}
		})
	}
}
