package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/slawatch/slawatch/shared/silence"
)

// Silences stores alert silences (package silence) and, for each, the
// alerts it held, so that one digest can follow its end.
type Silences interface {
	// PutSilence stores a new silence; ErrSilenceExists if its id is
	// taken.
	PutSilence(ctx context.Context, s silence.Silence) error
	// Silences returns every silence not yet purged (SilenceRetention
	// after its end), ordered by end, then id (silence.Compare).
	Silences(ctx context.Context) ([]silence.Silence, error)
	// ExpireSilence ends a silence at at (silence.Silence.Expire) and
	// returns it; an error matching ErrNotFound for an unknown id.
	// Expiring an expired silence changes nothing and returns it.
	ExpireSilence(ctx context.Context, id string, at time.Time) (silence.Silence, error)
	// HoldAlert records that the silence held the alert alertID: first is
	// true the first time that id is recorded for it. The ids of the first
	// MaxHeldAlerts are kept and a repeat of one of them is recognised;
	// beyond those only a count is kept, and each call counts (first is
	// true): a retried hold past the limit may be counted twice.
	HoldAlert(ctx context.Context, silenceID, alertID string, at time.Time) (first bool, err error)
	// HeldAlerts returns the kept ids of the alerts the silence held,
	// sorted, and how many it held in all.
	HeldAlerts(ctx context.Context, silenceID string) (ids []string, total int, err error)
	// MarkDigestSent claims the silence's end-of-silence digest: first is
	// true for exactly one caller, however many race, so one digest is
	// sent.
	MarkDigestSent(ctx context.Context, silenceID string) (first bool, err error)
	// ReleaseDigest undoes MarkDigestSent for a caller whose publish
	// failed, so that the next claim wins and sends the digest.
	ReleaseDigest(ctx context.Context, silenceID string) error
}

// MaxHeldAlerts bounds the alert ids kept per silence: a digest lists no
// more than this, and a silence over a big outage stays a bounded number
// of items.
const MaxHeldAlerts = 1000

// SilenceRetention is how long a silence and what it held are kept after
// it ends: long enough for its digest and for someone asking afterwards
// what it hid.
const SilenceRetention = 30 * 24 * time.Hour

// MaxAlertIDBytes bounds an alert id given to HoldAlert: alert ids are
// source/ticket/metric/cycle/kind/level, and a ticket id is at most
// event.MaxIDBytes, so this leaves room while keeping a key well under
// DynamoDB's 1,024-byte sort key limit.
const MaxAlertIDBytes = 900

// ErrSilenceExists is returned by PutSilence for an id already stored.
var ErrSilenceExists = errors.New("silence id already exists")

// ErrSilenceNotFound is returned for a silence the store does not have;
// errors.Is matches it to ErrNotFound too.
var ErrSilenceNotFound error = silenceNotFound{}

type silenceNotFound struct{}

func (silenceNotFound) Error() string        { return "silence not found" }
func (silenceNotFound) Is(target error) bool { return target == ErrNotFound }

// errAlertID refuses an alert id no store can key.
var errAlertID = errors.New("store: alert id empty or longer than MaxAlertIDBytes")

func checkAlertID(id string) error {
	if id == "" || len(id) > MaxAlertIDBytes {
		return errAlertID
	}
	return nil
}

// checkSilence refuses what no store can key or list: an id not of
// silence.New's form, or a silence without an end.
func checkSilence(s silence.Silence) error {
	if !silence.ValidID(s.ID) || s.Ends.IsZero() {
		return fmt.Errorf("store: silence %q: not made by silence.New (bad id or no end)", s.ID)
	}
	return nil
}

// silencePurged reports whether s is past its retention at now.
func silencePurged(s silence.Silence, now time.Time) bool {
	return !now.Before(s.Ends.Add(SilenceRetention))
}

func sortSilences(ss []silence.Silence) { slices.SortFunc(ss, silence.Compare) }
