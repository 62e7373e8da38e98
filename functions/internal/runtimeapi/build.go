package runtimeapi

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

var builds struct {
	sync.Mutex
	paths map[string]string // package → built bootstrap
}

// Build builds the Go package pkg, a path relative to the module root such
// as "./functions/webhook", the way the deployment builds it (CGO_ENABLED=0,
// -tags lambda.norpc, -trimpath, stripped) but for the host's GOOS and
// GOARCH, and returns the path of the bootstrap binary. Builds are cached
// per package for the life of the test process.
//
// Compiling is slow on a cold build cache (minutes for the four functions
// on two cores), so a test with a time budget must not pay for it: build
// before its clock starts, ideally with Prebuild from TestMain, which runs
// before go test's own -timeout alarm.
//
// The binary is kept in a per-user, per-package directory under the
// temporary directory, replaced by rename on each build, so that test
// processes running at once never write over a binary that is executing and
// nothing accumulates.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	if err := Prebuild(pkg); err != nil {
		t.Fatalf("runtimeapi.Build(%q): %v", pkg, err)
	}
	builds.Lock()
	defer builds.Unlock()
	return builds.paths[pkg]
}

// Built reports whether pkg is built already, so that Build returns at once.
func Built(pkg string) bool {
	builds.Lock()
	defer builds.Unlock()
	_, ok := builds.paths[pkg]
	return ok
}

// Prebuild builds the packages Build would, in one go command so that
// their common dependencies compile once, and caches the results for Build.
// Packages already built in this process are skipped.
func Prebuild(pkgs ...string) error {
	builds.Lock()
	defer builds.Unlock()
	var missing []string
	for _, pkg := range pkgs {
		if _, ok := builds.paths[pkg]; !ok && !slices.Contains(missing, pkg) {
			missing = append(missing, pkg)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	paths, err := build(missing)
	if err != nil {
		return err
	}
	if builds.paths == nil {
		builds.paths = make(map[string]string)
	}
	maps.Copy(builds.paths, paths)
	return nil
}

// build compiles pkgs into a fresh directory (go build -o dir/ names each
// binary after its package's last path element) and moves each binary to
// its package's directory.
func build(pkgs []string) (map[string]string, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	goCmd, err := goTool()
	if err != nil {
		return nil, err
	}
	base := filepath.Join(os.TempDir(), fmt.Sprintf("slawatch-runtimeapi-%d", os.Getuid()))
	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(base, "build-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	args := append([]string{"build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false",
		"-ldflags=-s -w -buildid=", "-o", tmp + string(filepath.Separator)}, pkgs...)
	cmd := exec.Command(goCmd, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if output, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, output)
	}
	paths := make(map[string]string, len(pkgs))
	for _, pkg := range pkgs {
		name := path.Base(filepath.ToSlash(pkg))
		if runtime.GOOS == "windows" {
			name += ".exe"
		}
		dir := filepath.Join(base, fmt.Sprintf("%s-%s-%s", sanitize(pkg), runtime.GOOS, runtime.GOARCH))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		dst := filepath.Join(dir, "bootstrap")
		if err := os.Rename(filepath.Join(tmp, name), dst); err != nil {
			return nil, fmt.Errorf("%s: %w", pkg, err)
		}
		paths[pkg] = dst
	}
	return paths, nil
}

// Size returns the size in bytes of the file at path, or -1 if it cannot
// be read.
func Size(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return fi.Size()
}

// moduleRoot walks up from the working directory to the directory holding
// go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

var goToolOnce = sync.OnceValues(findGo)

func goTool() (string, error) { return goToolOnce() }

// GoTool returns the go command of the toolchain in use, for tests that
// build or list packages themselves.
func GoTool() (string, error) { return goTool() }

// findGo returns the go command of the toolchain in use: $GOROOT/bin/go,
// else GOROOT/bin/go as `go env GOROOT` reports it (which follows toolchain
// switching), else the go on PATH. (runtime.GOROOT is deprecated since Go
// 1.24 and empty in -trimpath builds, so it is not consulted.)
func findGo() (string, error) {
	exe := "go"
	if runtime.GOOS == "windows" {
		exe = "go.exe"
	}
	if root := os.Getenv("GOROOT"); root != "" {
		if p := filepath.Join(root, "bin", exe); isFile(p) {
			return p, nil
		}
	}
	onPath, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("no go command: %w", err)
	}
	if out, err := exec.Command(onPath, "env", "GOROOT").Output(); err == nil {
		if p := filepath.Join(strings.TrimSpace(string(out)), "bin", exe); isFile(p) {
			return p, nil
		}
	}
	return onPath, nil
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// sanitize turns a package path into a directory name.
func sanitize(pkg string) string {
	pkg = strings.TrimPrefix(filepath.ToSlash(pkg), "./")
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			return r
		}
		return '_'
	}, pkg)
}
