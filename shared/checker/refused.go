package checker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slawatch/slawatch/shared/notify"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/store"
)

// RefusalAlert sends sla.config_refused for a configuration version that a
// cold start refused as invalid (lambdaenv.Refusal) while an earlier one
// runs: every instance of every function refuses it, but the alert goes
// once. The checker function calls Send at each run; the first checker to
// claim the version's document in Docs publishes, the others see the claim.
// A failed publish releases the claim for a later run, and a claim whose
// checker died mid-publish is taken over once its lease ends.
type RefusalAlert struct {
	// Parameter is where the configuration came from (the SSM parameter's
	// name); Version is the refused version.
	Parameter string
	Version   int64
	Docs      store.Docs
	Notifier  notify.Notifier
	Clock     Clock
	Log       *slog.Logger
	// Lease is how long a claim is the claimer's alone; default 1 minute.
	Lease time.Duration

	mu   sync.Mutex
	done bool // sent, by this checker or another: nothing left to do
}

// refusalDoc is the claim's document.
type refusalDoc struct {
	State string    `json:"state"` // "sending", "sent" or "failed"
	At    time.Time `json:"at"`
}

const (
	refusalSending = "sending"
	refusalSent    = "sent"
	refusalFailed  = "failed"
)

// DocKey is the version's claim document, the parameter's own
// name:version selector under config_refused/.
func (a *RefusalAlert) DocKey() string {
	return "config_refused/" + strings.TrimPrefix(a.selector(), "/")
}

func (a *RefusalAlert) selector() string {
	return a.Parameter + ":" + strconv.FormatInt(a.Version, 10)
}

// Send publishes the alert unless some checker already has or is doing
// so; sent reports whether this call published it. Call it at every run:
// it does nothing once the alert is out.
func (a *RefusalAlert) Send(ctx context.Context) (sent bool, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.done {
		return false, nil
	}
	now := a.Clock.Now().UTC()
	version, ok, err := a.claim(ctx, now)
	if err != nil || !ok {
		return false, err
	}
	n := notify.Alert{ID: "config/refused/" + strings.TrimPrefix(a.selector(), "/"), Kind: notify.KindConfigRefused,
		Severity: notify.SeverityOf(notify.KindConfigRefused), Source: a.selector(), Team: policy.DefaultTeam, At: now, SentAt: now}
	pctx, cancel := context.WithTimeout(ctx, a.lease()/2)
	err = a.Notifier.Notify(pctx, n)
	cancel()
	if err != nil {
		// Released for the next run; if this write fails too, the lease
		// ends and a later run takes the claim over.
		if _, rerr := a.replace(ctx, version, refusalFailed, now); rerr != nil {
			a.Log.ErrorContext(ctx, "configuration refused: claim not released", "parameter", a.Parameter, "version", a.Version, "err", rerr)
		}
		return false, fmt.Errorf("checker: config refused alert %s: %w", a.selector(), err)
	}
	a.done = true
	if _, err := a.replace(ctx, version, refusalSent, now); err != nil {
		// Published: a later run may send it again once the lease ends.
		return true, fmt.Errorf("checker: config refused alert %s: sent, not recorded: %w", a.selector(), err)
	}
	return true, nil
}

// claim takes the version's document: absent, failed, or claimed by a
// checker whose lease ended. ok is false when another checker sent the
// alert or holds the claim; version is the document's after the claim.
func (a *RefusalAlert) claim(ctx context.Context, now time.Time) (version int64, ok bool, err error) {
	data, err := json.Marshal(refusalDoc{State: refusalSending, At: now})
	if err != nil {
		return 0, false, err
	}
	cur, stored, err := a.Docs.PutDocIfAbsent(ctx, a.DocKey(), data)
	if err != nil {
		return 0, false, fmt.Errorf("checker: claim %s: %w", a.DocKey(), err)
	}
	if stored {
		return cur.Version, true, nil
	}
	var d refusalDoc
	if err := json.Unmarshal(cur.Data, &d); err != nil {
		return 0, false, fmt.Errorf("checker: claim %s: %w", a.DocKey(), err)
	}
	switch {
	case d.State == refusalSent:
		a.done = true
		return 0, false, nil
	case d.State == refusalSending && now.Before(d.At.Add(a.lease())):
		return 0, false, nil // another checker's; the next run looks again
	}
	ok, err = a.Docs.ReplaceDoc(ctx, a.DocKey(), cur.Version, data)
	if err != nil {
		return 0, false, fmt.Errorf("checker: claim %s: %w", a.DocKey(), err)
	}
	return cur.Version + 1, ok, nil
}

func (a *RefusalAlert) replace(ctx context.Context, version int64, state string, now time.Time) (bool, error) {
	data, err := json.Marshal(refusalDoc{State: state, At: now})
	if err != nil {
		return false, err
	}
	return a.Docs.ReplaceDoc(ctx, a.DocKey(), version, data)
}

func (a *RefusalAlert) lease() time.Duration {
	if a.Lease > 0 {
		return a.Lease
	}
	return time.Minute
}
