//go:build race

package replay_test

// raceEnabled: the race detector slows pure computation ten to twenty
// times, so the property and sweep tests run fewer seeds under it (make
// test); `go test` without -race runs them all.
const raceEnabled = true
