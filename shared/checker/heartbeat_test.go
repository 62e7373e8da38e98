package checker_test

import (
	"context"
	"testing"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/store"
)

// A source that expects traffic within the hour and gets none is reported
// silent once, and back once when a request is accepted.
func TestHeartbeatSilentThenBack(t *testing.T) {
	f := newFixture(t, `
sources:
  s: {provider: generic, expect_traffic: {within: 1h}}
policies:
  - name: chat
    first_response: {within: 1h}
`)
	mem := f.tickets.(*store.Memory)
	f.chk.Traffic = mem
	f.runUntil(t, at("09:59")) // watched from 09:00
	if got := f.rec.take(); len(got) != 0 {
		t.Fatalf("before the hour: %v", summary(got))
	}
	f.runUntil(t, at("10:05"))
	got := f.rec.take()
	if len(got) != 1 || got[0].Kind != notify.KindSourceSilent || got[0].Source != "s" || !got[0].At.Equal(at("10:00")) {
		t.Fatalf("after an hour of nothing: %+v", got)
	}
	if err := mem.RecordAccepted(context.Background(), "s", at("10:06")); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(at("10:07"))
	f.runUntil(t, at("10:30"))
	got = f.rec.take()
	if len(got) != 1 || got[0].Kind != notify.KindSourceBack {
		t.Errorf("after a request: %+v", got)
	}
}

// A silent alert whose publish fails is not lost: the claim is released,
// and a later run sends it, once.
func TestHeartbeatPublishFailureRetried(t *testing.T) {
	f := newFixture(t, `
sources:
  s: {provider: generic, expect_traffic: {within: 1h}}
policies:
  - name: chat
    first_response: {within: 1h}
`)
	f.chk.Traffic = f.tickets.(*store.Memory)
	f.runUntil(t, at("09:59"))
	f.rec.take()
	f.rec.fail = 3 // three runs in a row
	f.runUntil(t, at("10:00"))
	if got := f.rec.take(); len(got) != 0 {
		t.Fatalf("published while failing: %v", summary(got))
	}
	f.runUntil(t, at("10:10"))
	got := f.rec.take()
	if len(got) != 1 || got[0].Kind != notify.KindSourceSilent || !got[0].At.Equal(at("10:00")) {
		t.Fatalf("after the failure: %+v, want the silent alert once", got)
	}
}
