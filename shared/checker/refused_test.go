package checker_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/checker"
	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/store"
)

// refusal is the RefusalAlert of one checker instance, cold-started on
// version 7 of /slawatch/config (refused).
func refusal(docs store.Docs, rec notify.Notifier, clock checker.Clock) *checker.RefusalAlert {
	return &checker.RefusalAlert{Parameter: "/slawatch/config", Version: 7, Docs: docs, Notifier: rec, Clock: clock,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// Every checker instance started on a refused version tries to alert it at
// every run: the alert goes once, whoever races, and not at the next runs.
func TestConfigRefusedAlertsOnce(t *testing.T) {
	docs, rec := store.NewMemory(), &recorder{}
	clock := &fakeClock{now: t0}
	var sent sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	// Two checkers racing, at each of 5 runs a minute apart (past the
	// lease: a claim held that long would be taken over).
	a, b := refusal(docs, rec, clock), refusal(docs, rec, clock)
	for run := range 5 {
		clock.Set(t0.Add(time.Duration(run) * 2 * time.Minute))
		for _, r := range []*checker.RefusalAlert{a, b, refusal(docs, rec, clock)} {
			sent.Add(1)
			go func() {
				defer sent.Done()
				ok, err := r.Send(context.Background())
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		sent.Wait()
	}
	got := rec.take()
	if len(got) != 1 || wins != 1 {
		t.Fatalf("%d alerts published, %d sends reported, want 1: %+v", len(got), wins, got)
	}
	want := notify.Alert{ID: "config/refused/slawatch/config:7", Kind: "sla.config_refused", Severity: "critical",
		Source: "/slawatch/config:7", Team: "support", At: t0, SentAt: t0}
	if !alertEqual(got[0], want) {
		t.Errorf("alert %+v, want %+v", got[0], want)
	}
	// Another refused version is another alert.
	r := refusal(docs, rec, clock)
	r.Version = 8
	if ok, err := r.Send(context.Background()); !ok || err != nil || len(rec.take()) != 1 {
		t.Errorf("version 8: sent %v, %v", ok, err)
	}
}

func alertEqual(a, b notify.Alert) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// A failed publish is retried at the next run; a claim whose checker died
// before publishing is taken over once its lease ends, not before.
func TestConfigRefusedAlertRetried(t *testing.T) {
	t.Run("publish failed", func(t *testing.T) {
		docs, rec := store.NewMemory(), &recorder{fail: 1}
		clock := &fakeClock{now: t0}
		first := refusal(docs, rec, clock)
		if ok, err := first.Send(context.Background()); ok || err == nil {
			t.Fatalf("failed publish: sent %v, err %v", ok, err)
		}
		// The next run of another checker, within the lease: released, so
		// it is sent now.
		clock.Set(t0.Add(10 * time.Second))
		if ok, err := refusal(docs, rec, clock).Send(context.Background()); !ok || err != nil {
			t.Fatalf("retry: sent %v, err %v", ok, err)
		}
		if ok, err := first.Send(context.Background()); ok || err != nil {
			t.Errorf("after the retry: sent %v, err %v", ok, err)
		}
		if got := rec.take(); len(got) != 1 {
			t.Errorf("%d alerts, want 1", len(got))
		}
	})
	t.Run("claimer died", func(t *testing.T) {
		docs, rec := store.NewMemory(), &recorder{}
		clock := &fakeClock{now: t0}
		r := refusal(docs, rec, clock)
		if _, _, err := docs.PutDocIfAbsent(context.Background(), r.DocKey(), []byte(`{"state":"sending","at":"`+t0.Format(time.RFC3339)+`"}`)); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			after time.Duration
			sent  bool
		}{{59 * time.Second, false}, {61 * time.Second, true}, {3 * time.Minute, false}} {
			clock.Set(t0.Add(tt.after))
			if ok, err := refusal(docs, rec, clock).Send(context.Background()); ok != tt.sent || err != nil {
				t.Errorf("at +%v: sent %v, err %v; want sent %v", tt.after, ok, err, tt.sent)
			}
		}
		if got := rec.take(); len(got) != 1 {
			t.Errorf("%d alerts, want 1", len(got))
		}
	})
}
