package functions_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/slawatch/slawatch/functions/internal/runtimeapi"
)

// bootstraps are the functions' packages, as the story and the cold-start
// test start them.
var bootstraps = []string{"./functions/webhook", "./functions/tickets", "./functions/acknowledger", "./functions/checker", "./functions/oncall"}

// TestMain builds the bootstraps before any test runs: on a new
// machine compiling them takes minutes, which must count against neither a
// test's own deadline nor go test's -timeout (whose alarm m.Run starts).
// The template tests compile the same packages with the same flags, so they
// find them in the build cache.
func TestMain(m *testing.M) {
	if err := runtimeapi.Prebuild(bootstraps...); err != nil {
		fmt.Fprintln(os.Stderr, "functions: build the bootstraps:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}
