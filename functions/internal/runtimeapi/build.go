package runtimeapi

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
// The binary is kept in a per-user, per-package directory under the
// temporary directory, replaced by rename on each build, so that test
// processes running at once never write over a binary that is executing and
// nothing accumulates.
func Build(t testing.TB, pkg string) string {
	t.Helper()
	builds.Lock()
	defer builds.Unlock()
	if path, ok := builds.paths[pkg]; ok {
		return path
	}
	path, err := build(pkg)
	if err != nil {
		t.Fatalf("runtimeapi.Build(%q): %v", pkg, err)
	}
	if builds.paths == nil {
		builds.paths = make(map[string]string)
	}
	builds.paths[pkg] = path
	return path
}

func build(pkg string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	goCmd, err := goTool()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("slawatch-runtimeapi-%d", os.Getuid()),
		fmt.Sprintf("%s-%s-%s", sanitize(pkg), runtime.GOOS, runtime.GOARCH))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)

	out := filepath.Join(tmp, "bootstrap")
	cmd := exec.Command(goCmd, "build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false",
		"-ldflags=-s -w -buildid=", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+runtime.GOOS, "GOARCH="+runtime.GOARCH)
	if output, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s: %w\n%s", strings.Join(cmd.Args, " "), err, output)
	}
	path := filepath.Join(dir, "bootstrap")
	if err := os.Rename(out, path); err != nil {
		return "", err
	}
	return path, nil
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
