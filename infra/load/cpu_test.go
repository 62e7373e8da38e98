package main

import (
	"os"
	"runtime"
	"testing"
	"time"
)

// TestProcessCPU: /proc's count of this process's CPU time grows as
// getrusage's does, within the 10 ms ticks it counts in; an unknown
// process is -1.
func TestProcessCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/<pid>/stat is Linux's")
	}
	pid := os.Getpid()
	self0, proc0 := selfCPU(), processCPU(pid)
	if self0 < 0 || proc0 < 0 {
		t.Fatalf("selfCPU %v, processCPU %v", self0, proc0)
	}
	x := 0
	for selfCPU()-self0 < 300*time.Millisecond { // burn CPU, not wall time
		for i := range 100000 {
			x += i
		}
	}
	self, proc := selfCPU()-self0, processCPU(pid)-proc0
	if d := proc - self; d < -50*time.Millisecond || d > 50*time.Millisecond {
		t.Errorf("processCPU grew %v, getrusage %v (%d)", proc, self, x)
	}
	if got := processCPU(-1); got != -1 {
		t.Errorf("processCPU of no process: %v, want -1", got)
	}
}
