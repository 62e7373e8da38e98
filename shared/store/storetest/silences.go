package storetest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/silence"
	"github.com/slawatch/slawatch/shared/store"
)

// OpenSilences returns a store for one test whose clock is now. Stores may
// share one table: the suite reads back only the silences it made.
type OpenSilences func(t *testing.T, now func() time.Time) store.Silences

// RunSilences runs the contract suite of store.Silences.
func RunSilences(t *testing.T, open OpenSilences) {
	fixed := func(t *testing.T) store.Silences { return open(t, func() time.Time { return T0 }) }
	t.Run("PutAndList", func(t *testing.T) { silencesList(t, fixed(t)) })
	t.Run("DuplicateIDRefused", func(t *testing.T) { silencesDuplicate(t, fixed(t)) })
	t.Run("InvalidRefused", func(t *testing.T) { silencesInvalid(t, fixed(t)) })
	t.Run("Expire", func(t *testing.T) { silencesExpire(t, fixed(t)) })
	t.Run("ConcurrentExpire", func(t *testing.T) { silencesRaceExpire(t, fixed(t)) })
	t.Run("HoldOnce", func(t *testing.T) { silencesHold(t, fixed(t)) })
	t.Run("HoldBounded", func(t *testing.T) { silencesHoldBounded(t, fixed(t)) })
	t.Run("DigestOnce", func(t *testing.T) { silencesDigest(t, fixed(t)) })
	t.Run("Retention", func(t *testing.T) { silencesRetention(t, open) })
}

// newSilence makes a silence of team from T0 that lasts d.
func newSilence(t *testing.T, team string, d time.Duration) silence.Silence {
	t.Helper()
	s, err := silence.New(map[string]string{"team": team, "source": "zendesk"}, time.Time{}, T0.Add(d), "holiday cover", "ana", T0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func put(t *testing.T, st store.Silences, ss ...silence.Silence) {
	t.Helper()
	for _, s := range ss {
		if err := st.PutSilence(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
}

// own returns the listed silences among ids, in the store's order.
func own(t *testing.T, st store.Silences, ids ...string) []silence.Silence {
	t.Helper()
	all, err := st.Silences(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSortedFunc(all, silence.Compare) {
		t.Errorf("Silences not ordered by end, then id")
	}
	var out []silence.Silence
	for _, s := range all {
		if slices.Contains(ids, s.ID) {
			out = append(out, s)
		}
	}
	return out
}

// sameSilence compares silences field by field: what a round trip through
// any store must preserve.
func sameSilence(t *testing.T, got, want silence.Silence) {
	t.Helper()
	if got.ID != want.ID || !maps.Equal(got.Match, want.Match) || !got.Starts.Equal(want.Starts) || !got.Ends.Equal(want.Ends) ||
		got.Reason != want.Reason || got.CreatedBy != want.CreatedBy || !got.CreatedAt.Equal(want.CreatedAt) ||
		(got.ExpiredAt == nil) != (want.ExpiredAt == nil) || (got.ExpiredAt != nil && !got.ExpiredAt.Equal(*want.ExpiredAt)) {
		t.Errorf("silence\n got %+v\nwant %+v", got, want)
	}
}

func silencesList(t *testing.T, st store.Silences) {
	long, short, mid := newSilence(t, "billing", 48*time.Hour), newSilence(t, "sales", time.Hour), newSilence(t, "support", 5*time.Hour)
	put(t, st, long, short, mid)
	got := own(t, st, long.ID, short.ID, mid.ID)
	want := []silence.Silence{short, mid, long}
	if len(got) != len(want) {
		t.Fatalf("listed %d of the 3 silences: %+v", len(got), got)
	}
	for i := range want {
		sameSilence(t, got[i], want[i])
	}
	// What the caller gets is its own: changing it changes nothing stored.
	got[0].Match["team"] = "changed"
	if again := own(t, st, short.ID); len(again) != 1 || again[0].Match["team"] != "sales" {
		t.Errorf("a listed silence shares its matchers with the store: %+v", again)
	}
}

func silencesDuplicate(t *testing.T, st store.Silences) {
	s := newSilence(t, "billing", time.Hour)
	put(t, st, s)
	other := s
	other.Reason = "an impostor"
	if err := st.PutSilence(context.Background(), other); !errors.Is(err, store.ErrSilenceExists) {
		t.Fatalf("second put of id %s: %v, want ErrSilenceExists", s.ID, err)
	}
	if got := own(t, st, s.ID); len(got) != 1 || got[0].Reason != s.Reason {
		t.Errorf("the refused put changed the silence: %+v", got)
	}
}

func silencesInvalid(t *testing.T, st store.Silences) {
	s := newSilence(t, "billing", time.Hour)
	for name, bad := range map[string]func(silence.Silence) silence.Silence{
		"empty id":    func(s silence.Silence) silence.Silence { s.ID = ""; return s },
		"id with '#'": func(s silence.Silence) silence.Silence { s.ID = "0123456789abc#ef"; return s },
		"no end":      func(s silence.Silence) silence.Silence { s.Ends = time.Time{}; return s },
	} {
		if err := st.PutSilence(context.Background(), bad(s)); err == nil {
			t.Errorf("%s: stored", name)
		}
	}
	ctx := context.Background()
	if _, err := st.HoldAlert(ctx, s.ID, "", T0); err == nil {
		t.Error("held an alert without an id")
	}
}

func silencesExpire(t *testing.T, st store.Silences) {
	ctx := context.Background()
	s := newSilence(t, "billing", 3*time.Hour)
	put(t, st, s)
	at := T0.Add(time.Hour)
	got, err := st.ExpireSilence(ctx, s.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	want := s
	want.Ends, want.ExpiredAt = at, &at
	sameSilence(t, got, want)
	if listed := own(t, st, s.ID); len(listed) == 1 {
		sameSilence(t, listed[0], want)
	} else {
		t.Errorf("expired silence listed %d times", len(listed))
	}
	// Idempotent: a second expiry, later, changes nothing.
	again, err := st.ExpireSilence(ctx, s.ID, at.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	sameSilence(t, again, want)

	// Expiring after the end keeps the end.
	late := newSilence(t, "billing", time.Hour)
	put(t, st, late)
	after := T0.Add(2 * time.Hour)
	got, err = st.ExpireSilence(ctx, late.ID, after)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Ends.Equal(late.Ends) || got.ExpiredAt == nil || !got.ExpiredAt.Equal(after) {
		t.Errorf("expired after its end: %+v", got)
	}

	for _, id := range []string{"0123456789abcdef", "not-an-id", ""} {
		if _, err := st.ExpireSilence(ctx, id, at); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expire unknown %q: %v, want ErrNotFound", id, err)
		}
	}
}

func silencesRaceExpire(t *testing.T, st store.Silences) {
	s := newSilence(t, "billing", 3*time.Hour)
	put(t, st, s)
	var wg sync.WaitGroup
	results := make([]silence.Silence, 8)
	for i := range results {
		wg.Go(func() {
			got, err := st.ExpireSilence(context.Background(), s.ID, T0.Add(time.Duration(i+1)*time.Minute))
			if err != nil {
				t.Error(err)
			}
			results[i] = got
		})
	}
	wg.Wait()
	// One expiry won; every caller got that one back.
	stored := own(t, st, s.ID)
	if len(stored) != 1 || stored[0].ExpiredAt == nil {
		t.Fatalf("after racing expiries: %+v", stored)
	}
	for i, r := range results {
		if r.ExpiredAt == nil || !r.ExpiredAt.Equal(*stored[0].ExpiredAt) || !r.Ends.Equal(stored[0].Ends) {
			t.Errorf("caller %d got %+v, stored %+v", i, r, stored[0])
		}
	}
}

func silencesHold(t *testing.T, st store.Silences) {
	ctx := context.Background()
	s, other := newSilence(t, "billing", time.Hour), newSilence(t, "sales", time.Hour)
	put(t, st, s, other)
	for _, step := range []struct {
		id    string
		first bool
	}{{"zendesk/2/first_response/0/sla.breach/0", true}, {"zendesk/1/first_response/0/sla.breach/0", true},
		{"zendesk/2/first_response/0/sla.breach/0", false}} {
		first, err := st.HoldAlert(ctx, s.ID, step.id, T0)
		if err != nil || first != step.first {
			t.Errorf("HoldAlert(%s) = %v, %v; want %v", step.id, first, err, step.first)
		}
	}
	ids, total, err := st.HeldAlerts(ctx, s.ID)
	want := []string{"zendesk/1/first_response/0/sla.breach/0", "zendesk/2/first_response/0/sla.breach/0"}
	if err != nil || total != 2 || !slices.Equal(ids, want) {
		t.Errorf("HeldAlerts = %q, %d, %v; want %q, 2", ids, total, err, want)
	}
	// The other silence holds nothing: held alerts are per silence.
	if ids, total, err := st.HeldAlerts(ctx, other.ID); err != nil || total != 0 || len(ids) != 0 {
		t.Errorf("other silence: %q, %d, %v", ids, total, err)
	}

	// Racing holds of one alert: exactly one is first.
	var firsts atomic.Int64
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			first, err := st.HoldAlert(ctx, other.ID, "jira/9/next_reply/1/sla.escalation/2", T0)
			if err != nil {
				t.Error(err)
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Errorf("%d racing holds of one alert were first, want 1", n)
	}
	if _, total, _ := st.HeldAlerts(ctx, other.ID); total != 1 {
		t.Errorf("one alert held by racing callers counted %d times", total)
	}

	if _, err := st.HoldAlert(ctx, "0123456789abcdef", "x", T0); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("hold in an unknown silence: %v, want ErrNotFound", err)
	}
	if _, _, err := st.HeldAlerts(ctx, "0123456789abcdef"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("held alerts of an unknown silence: %v, want ErrNotFound", err)
	}
}

// silencesHoldBounded holds more alerts than are kept, from racing
// callers: exactly MaxHeldAlerts ids are kept, every alert is counted once
// while its id is kept, and beyond that each hold counts.
func silencesHoldBounded(t *testing.T, st store.Silences) {
	ctx := context.Background()
	s := newSilence(t, "billing", time.Hour)
	put(t, st, s)
	const extra = 5
	n := store.MaxHeldAlerts + extra
	alert := func(i int) string { return fmt.Sprintf("zendesk/%05d/first_response/0/sla.breach/0", i) }
	var firsts atomic.Int64
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				first, err := st.HoldAlert(ctx, s.ID, alert(i), T0)
				if err != nil {
					t.Error(err)
					return
				}
				if first {
					firsts.Add(1)
				}
			}
		})
	}
	wg.Wait()
	ids, total, err := st.HeldAlerts(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != store.MaxHeldAlerts || total != n || int(firsts.Load()) != n {
		t.Fatalf("after %d distinct holds: %d ids kept, total %d, %d first; want %d, %d, %d",
			n, len(ids), total, firsts.Load(), store.MaxHeldAlerts, n, n)
	}
	if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Error("held ids not sorted or repeated")
	}
	// A kept id held again is recognised, and not counted.
	if first, err := st.HoldAlert(ctx, s.ID, ids[0], T0); err != nil || first {
		t.Errorf("repeat of a kept id: %v, %v; want false", first, err)
	}
	if _, total, _ := st.HeldAlerts(ctx, s.ID); total != n {
		t.Errorf("repeat of a kept id counted: total %d, want %d", total, n)
	}
}

func silencesDigest(t *testing.T, st store.Silences) {
	ctx := context.Background()
	s := newSilence(t, "billing", time.Hour)
	put(t, st, s)
	var firsts atomic.Int64
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			first, err := st.MarkDigestSent(ctx, s.ID)
			if err != nil {
				t.Error(err)
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if n := firsts.Load(); n != 1 {
		t.Errorf("%d racing callers claimed the digest, want 1", n)
	}
	if first, err := st.MarkDigestSent(ctx, s.ID); err != nil || first {
		t.Errorf("claim after the race: %v, %v; want false", first, err)
	}
	// A claim released (its publish failed) is won again, once.
	if err := st.ReleaseDigest(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if first, err := st.MarkDigestSent(ctx, s.ID); err != nil || !first {
		t.Errorf("claim after the release: %v, %v; want true", first, err)
	}
	if first, err := st.MarkDigestSent(ctx, s.ID); err != nil || first {
		t.Errorf("second claim after the release: %v, %v; want false", first, err)
	}
	// Claiming the digest leaves the silence and its counters alone.
	if _, err := st.HoldAlert(ctx, s.ID, "a", T0); err != nil {
		t.Fatal(err)
	}
	if _, total, err := st.HeldAlerts(ctx, s.ID); err != nil || total != 1 {
		t.Errorf("after the claim: total %d, %v", total, err)
	}
	if got := own(t, st, s.ID); len(got) == 1 {
		sameSilence(t, got[0], s)
	} else {
		t.Errorf("silence listed %d times after its digest", len(got))
	}
	if _, err := st.MarkDigestSent(ctx, "0123456789abcdef"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("digest of an unknown silence: %v, want ErrNotFound", err)
	}
}

// silencesRetention: a silence is kept SilenceRetention after its end,
// then it and what it held are gone.
func silencesRetention(t *testing.T, open OpenSilences) {
	ctx := context.Background()
	var now atomic.Int64
	now.Store(T0.UnixNano())
	st := open(t, func() time.Time { return time.Unix(0, now.Load()).UTC() })
	s := newSilence(t, "billing", time.Hour)
	put(t, st, s)
	if _, err := st.HoldAlert(ctx, s.ID, "a", T0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ExpireSilence(ctx, s.ID, T0.Add(30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	// Kept from the (moved) end: SilenceRetention after T0+30m.
	end := T0.Add(30 * time.Minute).Add(store.SilenceRetention)
	now.Store(end.Add(-time.Second).UnixNano())
	if got := own(t, st, s.ID); len(got) != 1 {
		t.Fatalf("a second before its retention ends: listed %d times", len(got))
	}
	if _, total, err := st.HeldAlerts(ctx, s.ID); err != nil || total != 1 {
		t.Errorf("held alerts before the retention ends: %d, %v", total, err)
	}
	now.Store(end.UnixNano())
	if got := own(t, st, s.ID); len(got) != 0 {
		t.Errorf("listed after its retention: %+v", got)
	}
	if _, _, err := st.HeldAlerts(ctx, s.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("held alerts after the retention: %v, want ErrNotFound", err)
	}
	if _, err := st.ExpireSilence(ctx, s.ID, end); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("expire after the retention: %v, want ErrNotFound", err)
	}
	if _, err := st.MarkDigestSent(ctx, s.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("digest after the retention: %v, want ErrNotFound", err)
	}
}
