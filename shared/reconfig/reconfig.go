// Package reconfig applies a new configuration to the tickets already
// stored: it shows which deadlines a change would move (Diff, for
// `slawatch config diff`) and retargets the open tickets' running clocks
// in bounded, resumable batches (Job), as `slawatch serve` does on SIGHUP
// and the checker function after a cold start on a new configuration.
// The engine does the retargeting itself (sla.Retarget); this package
// finds the tickets and records the progress.
package reconfig

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// Open returns the keys of the tickets with a running clock, sorted by
// source, then id: the tickets whose deadlines a configuration moves. A
// clock paused before its deadline has none to move; its ticket is
// retargeted by its next event (sla.Apply).
func Open(ctx context.Context, clocks store.Clocks) ([]store.Key, error) {
	cs, _, err := clocks.Running(ctx, math.MaxInt32, nil)
	if err != nil {
		return nil, fmt.Errorf("reconfig: list running clocks: %w", err)
	}
	keys := make([]store.Key, 0, len(cs))
	for _, c := range cs {
		keys = append(keys, c.Key)
	}
	slices.SortFunc(keys, compareKeys)
	return slices.Compact(keys), nil
}

func compareKeys(a, b store.Key) int {
	return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.ID, b.ID))
}

// Diff returns, for each ticket whose running clocks prev and next settle
// differently, what moves. A ticket stored under another version than
// prev's is first brought to prev, so the diff is prev's against next's
// whatever the tickets were last settled under.
func Diff(prev, next sla.Policies, tickets []sla.Ticket, now time.Time) []sla.Change {
	var out []sla.Change
	for _, t := range tickets {
		if v := sla.VersionOf(prev); v == "" || t.ConfigVersion != v {
			t, _ = sla.Retarget(nil, prev, t, now)
		}
		if _, ch := sla.Retarget(prev, next, t, now); ch.Moved() {
			out = append(out, ch)
		}
	}
	return out
}

// Progress is a re-evaluation's record, kept in the store's documents
// under DocKey: how far it got, so that a run cut short resumes after the
// last ticket it finished. There is one: a job for another version starts
// it again (a configuration changed back is retargeted again too).
type Progress struct {
	Version string    `json:"version"`
	After   store.Key `json:"after"` // the last ticket done; zero: none yet
	// Retargeted counts the tickets this job retargeted; Moved those with
	// a deadline moved; AtOnce the clocks moved into the past.
	Retargeted int       `json:"retargeted"`
	Moved      int       `json:"moved"`
	AtOnce     int       `json:"at_once"`
	Done       bool      `json:"done"`
	Started    time.Time `json:"started"`
	Updated    time.Time `json:"updated"`
}

// DocKey is the document that keeps the Progress.
const DocKey = "reconfig/progress"

// DefaultBatch is how many tickets Job.Step retargets when Batch is 0:
// enough to finish a few thousand open tickets within minutes of checker
// runs, few enough to keep each run short.
const DefaultBatch = 100

// Job retargets the open tickets to Next, a batch at a time. It is
// idempotent (a ticket already at Next's version is left alone, so two
// runs, or intake's own retargeting, never retarget a ticket twice) and
// resumable (each batch records where it ended).
type Job struct {
	// Prev is the configuration the tickets were settled under, when
	// known (sla.Retarget); nil: unknown.
	Prev    sla.Policies
	Next    sla.Policies // must have a version (sla.Versioned)
	Tickets store.Tickets
	Clocks  store.Clocks
	Docs    store.Docs
	Batch   int              // DefaultBatch when 0
	Now     func() time.Time // nil: time.Now
}

// Step retargets the next batch and returns the progress after it; Done
// once no ticket is left.
func (j *Job) Step(ctx context.Context) (Progress, error) {
	v := sla.VersionOf(j.Next)
	if v == "" {
		return Progress{}, errors.New("reconfig: the new configuration has no version")
	}
	now := time.Now
	if j.Now != nil {
		now = j.Now
	}
	p, ver, err := j.progress(ctx, v, now())
	if err != nil || p.Done {
		return p, err
	}
	keys, err := Open(ctx, j.Clocks)
	if err != nil {
		return p, err
	}
	i, _ := slices.BinarySearchFunc(keys, p.After, compareKeys)
	if i < len(keys) && keys[i] == p.After {
		i++
	}
	batch := keys[i:min(len(keys), i+cmp.Or(j.Batch, DefaultBatch))]
	next := p
	for _, k := range batch {
		var ch sla.Change
		done := false
		_, err := j.Tickets.Update(ctx, k, "", func(t sla.Ticket) (sla.Ticket, bool, error) {
			if t.ConfigVersion == v || (len(t.Events) == 0 && t.Checkpoint == nil) {
				done = false
				return t, false, nil
			}
			t, ch = sla.Retarget(j.Prev, j.Next, t, now())
			done = true
			return t, true, nil
		})
		if err != nil {
			return p, fmt.Errorf("reconfig: retarget %s/%s: %w", k.Source, k.ID, err)
		}
		if done {
			next.Retargeted++
			if ch.Moved() {
				next.Moved++
			}
			for _, c := range ch.Clocks {
				if c.BreachesAtOnce {
					next.AtOnce++
				}
			}
		}
		next.After = k
	}
	next.Done = len(batch) == 0
	next.Updated = now()
	b, err := json.Marshal(next)
	if err != nil {
		return p, fmt.Errorf("reconfig: %w", err)
	}
	ok, err := j.Docs.ReplaceDoc(ctx, DocKey, ver, b)
	if err != nil {
		return p, fmt.Errorf("reconfig: record progress: %w", err)
	}
	if !ok {
		// Another run recorded its own batch meanwhile: the tickets are
		// retargeted either way (the version check); its progress stands.
		p, _, err = j.progress(ctx, v, now())
		return p, err
	}
	return next, nil
}

// Run steps until done or ctx ends.
func (j *Job) Run(ctx context.Context) (Progress, error) {
	for {
		p, err := j.Step(ctx)
		if err != nil || p.Done {
			return p, err
		}
		if err := ctx.Err(); err != nil {
			return p, err
		}
	}
}

// progress reads the job's record, starting it again if it is another
// version's or missing.
func (j *Job) progress(ctx context.Context, v string, now time.Time) (Progress, int64, error) {
	start, err := json.Marshal(Progress{Version: v, Started: now, Updated: now})
	if err != nil {
		return Progress{}, 0, fmt.Errorf("reconfig: %w", err)
	}
	for range 5 {
		doc, _, err := j.Docs.PutDocIfAbsent(ctx, DocKey, start)
		if err != nil {
			return Progress{}, 0, fmt.Errorf("reconfig: read progress: %w", err)
		}
		var p Progress
		if err := json.Unmarshal(doc.Data, &p); err != nil {
			return Progress{}, 0, fmt.Errorf("reconfig: read progress: %w", err)
		}
		if p.Version == v {
			return p, doc.Version, nil
		}
		ok, err := j.Docs.ReplaceDoc(ctx, DocKey, doc.Version, start)
		if err != nil {
			return Progress{}, 0, fmt.Errorf("reconfig: restart progress for %s: %w", v, err)
		}
		if ok {
			return Progress{Version: v, Started: now, Updated: now}, doc.Version + 1, nil
		}
	}
	return Progress{}, 0, fmt.Errorf("reconfig: progress for %s: %w", v, store.ErrConflict)
}
