// Package providertest loads the fixtures of a helpdesk adapter's tests —
// realistic payloads kept in the package's testdata folder — and signs
// requests with each helpdesk's real scheme (Sign), for tests and local
// tooling that play a helpdesk.
package providertest

import (
	"os"
	"path/filepath"
	"testing"
)

// File is one fixture.
type File struct {
	Path string
	Body []byte
}

// Fixture returns testdata/name.
func Fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Fixtures returns every testdata/*.json, in name order; a package without
// any fails the test, since fuzz targets seed from them.
func Fixtures(tb testing.TB) []File {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no fixtures: %v", err)
	}
	out := make([]File, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, File{p, b})
	}
	return out
}

// Bodies returns the bodies of Fixtures.
func Bodies(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, f := range Fixtures(tb) {
		out = append(out, f.Body)
	}
	return out
}
