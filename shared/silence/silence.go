// Package silence describes alert silences: for a bounded time, alerts that
// match a set of labels are recorded as silenced instead of sent. A silence
// always has an end, no longer away than a configured limit, and always
// names what it silences: an open-ended or match-everything silence is how
// a real outage goes unnoticed. docs/silences.md explains them.
package silence

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/notify"
)

// DefaultMaxDuration is the longest silence when the configuration sets no
// alerts.silences.max_duration: two weeks covers a holiday or a planned
// migration, and anything longer is a routing change, not a silence.
const DefaultMaxDuration = 14 * 24 * time.Hour

// Limits on free text, so that a silence stays one small store item.
const (
	MaxReason    = 500 // bytes
	MaxCreatedBy = 200
	MaxValue     = 256
)

// Match keys: the alert document's fields (docs/alerts.md) a silence can
// name. "ticket" is the document's ticket_id.
const (
	KeySource   = "source"
	KeyTeam     = "team"
	KeyPolicy   = "policy"
	KeyChannel  = "channel"
	KeyPriority = "priority"
	KeyKind     = "kind"
	KeyTicket   = "ticket"
)

// Keys lists the match keys, in the order they are printed.
func Keys() []string {
	return []string{KeySource, KeyTeam, KeyPolicy, KeyChannel, KeyPriority, KeyKind, KeyTicket}
}

var kinds = []string{notify.KindWarning, notify.KindPredicted, notify.KindBreach, notify.KindEscalation,
	notify.KindRecovered, notify.KindBreachDigest}

// Silence holds the alerts that match every entry of Match from Starts
// until Ends.
type Silence struct {
	ID        string            `json:"id"`
	Match     map[string]string `json:"match"`
	Starts    time.Time         `json:"starts"`
	Ends      time.Time         `json:"ends"`
	Reason    string            `json:"reason"`
	CreatedBy string            `json:"created_by,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	// ExpiredAt is when someone ended the silence early; Ends is then no
	// later than it.
	ExpiredAt *time.Time `json:"expired_at,omitempty"`
}

// Error is a refused silence: Field names what is wrong (match, starts,
// ends, reason, created_by), so that the API and the CLI can point at the
// parameter or flag.
type Error struct {
	Field string
	Msg   string
}

func (e *Error) Error() string { return e.Field + ": " + e.Msg }

func fail(field, format string, args ...any) error {
	return &Error{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Parse reads matchers written "key=value,key=value" (spaces around either
// side are ignored). Values cannot contain ',' in this form; the API's
// JSON object form can.
func Parse(s string) (map[string]string, error) {
	m := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return nil, fail(KeyMatch, "empty: name at least one of %s", strings.Join(Keys(), ", "))
	}
	for part := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case !ok:
			return nil, fail(KeyMatch, "%q: want key=value", strings.TrimSpace(part))
		case k == "":
			return nil, fail(KeyMatch, "%q: no key before '='", strings.TrimSpace(part))
		}
		if _, dup := m[k]; dup {
			return nil, fail(KeyMatch, "key %q given twice: a silence matches one value per key", k)
		}
		m[k] = v
	}
	if err := CheckMatch(m); err != nil {
		return nil, err
	}
	return m, nil
}

// KeyMatch is the field name of a silence's matchers.
const KeyMatch = "match"

// CheckMatch validates matchers however they were written: known keys,
// non-empty values of printable characters, and for channel, priority and
// kind one of the values alerts carry (a misspelt value would silence
// nothing and look as if it worked).
func CheckMatch(m map[string]string) error {
	if len(m) == 0 {
		return fail(KeyMatch, "empty: a silence of every alert would hide a real outage; name at least one of %s", strings.Join(Keys(), ", "))
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		if !slices.Contains(Keys(), k) {
			return fail(KeyMatch, "unknown key %q: want one of %s", k, strings.Join(Keys(), ", "))
		}
		switch {
		case strings.TrimSpace(v) == "":
			return fail(KeyMatch, "key %q has an empty value", k)
		case v != strings.TrimSpace(v):
			return fail(KeyMatch, "key %q: value has leading or trailing spaces", k)
		case len(v) > MaxValue:
			return fail(KeyMatch, "key %q: value longer than %d bytes", k, MaxValue)
		case !printable(v):
			return fail(KeyMatch, "key %q: value has a character that is not printable", k)
		}
		switch k {
		case KeyChannel:
			if _, ok := event.ParseChannel(v); !ok {
				return fail(KeyMatch, "channel %q: want one of %s", v, join(event.Channels()))
			}
		case KeyPriority:
			if _, ok := event.ParsePriority(v); !ok {
				return fail(KeyMatch, "priority %q: want one of %s", v, join(event.Priorities()))
			}
		case KeyKind:
			if !slices.Contains(kinds, v) {
				return fail(KeyMatch, "kind %q: want one of %s", v, strings.Join(kinds, ", "))
			}
		}
	}
	return nil
}

func join[S ~string](xs []S) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return strings.Join(out, ", ")
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// New returns a silence of the alerts match names from starts (zero: now)
// until ends, with a fresh random id. It refuses a silence without an end,
// one that has already ended or ends before it starts, one that would hold
// alerts for longer than maxDuration from when it takes effect (0 means
// DefaultMaxDuration), one that matches everything, and one without a
// reason: whoever finds alerts silenced must be able to tell why.
func New(match map[string]string, starts, ends time.Time, reason, by string, now time.Time, maxDuration time.Duration) (Silence, error) {
	if maxDuration <= 0 {
		maxDuration = DefaultMaxDuration
	}
	if err := CheckMatch(match); err != nil {
		return Silence{}, err
	}
	now = now.UTC()
	if starts.IsZero() {
		starts = now
	}
	starts = starts.UTC()
	reason, by = strings.TrimSpace(reason), strings.TrimSpace(by)
	switch {
	case ends.IsZero():
		return Silence{}, fail("ends", "required: a silence without an end would hold alerts for ever (the longest allowed is %s)", human(maxDuration))
	case !ends.After(now):
		return Silence{}, fail("ends", "%s is not in the future", ends.UTC().Format(time.RFC3339))
	case !ends.After(starts):
		return Silence{}, fail("ends", "%s is not after the start %s", ends.UTC().Format(time.RFC3339), starts.Format(time.RFC3339))
	case ends.Sub(maxTime(starts, now)) > maxDuration:
		return Silence{}, fail("ends", "the silence would last %s, longer than the limit of %s (alerts.silences.max_duration): a longer one is a routing change, not a silence",
			human(ends.Sub(maxTime(starts, now))), human(maxDuration))
	case reason == "":
		return Silence{}, fail("reason", "required: say why these alerts are silenced")
	case len(reason) > MaxReason || !printable(reason):
		return Silence{}, fail("reason", "want at most %d bytes of printable text", MaxReason)
	case len(by) > MaxCreatedBy || !printable(by):
		return Silence{}, fail("created_by", "want at most %d bytes of printable text", MaxCreatedBy)
	}
	id, err := newID()
	if err != nil {
		return Silence{}, err
	}
	return Silence{ID: id, Match: maps.Clone(match), Starts: starts, Ends: ends.UTC(), Reason: reason, CreatedBy: by, CreatedAt: now}, nil
}

// newID returns 16 random hex digits: 64 bits, so that ids made by
// separate servers never collide in practice, and short enough to type.
func newID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("silence: id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// ValidID reports whether id has the form New gives ids, so that a typo is
// refused before a store is asked.
func ValidID(id string) bool {
	if len(id) != 16 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// human writes d in days and hours when it is that long: "14 days" reads
// better than "336h0m0s".
func human(d time.Duration) string {
	d = d.Round(time.Second)
	day := 24 * time.Hour
	switch {
	case d%day == 0:
		if d == day {
			return "1 day"
		}
		return fmt.Sprintf("%d days", d/day)
	case d > day:
		return fmt.Sprintf("%d days %s", d/day, (d % day).String())
	}
	return d.String()
}

// Active reports whether the silence holds alerts at now.
func (s Silence) Active(now time.Time) bool {
	return !now.Before(s.Starts) && now.Before(s.Ends)
}

// Ended reports whether the silence is over at now: expired by hand or past
// its end. An ended silence never becomes active again.
func (s Silence) Ended(now time.Time) bool {
	return s.ExpiredAt != nil || !now.Before(s.Ends)
}

// State is how a silence stands at an instant.
type State string

const (
	Pending State = "pending" // starts later
	Active  State = "active"
	Ended   State = "ended"
)

// StateAt returns the silence's state at now.
func (s Silence) StateAt(now time.Time) State {
	switch {
	case s.Ended(now):
		return Ended
	case s.Active(now):
		return Active
	}
	return Pending
}

// Matches reports whether the silence names the alert d: every matcher
// equals the document's field exactly (case matters, as in the alert). A
// digest (sla.breach_digest) stands for many tickets of one team, so only
// team, kind and source can name it: source matches when every ticket it
// lists comes from that source. A silence naming a policy, channel,
// priority or ticket is narrower than a digest and does not hold it, so a
// digest that also carries other breaches is never hidden by it.
func (s Silence) Matches(d notify.Document) bool {
	if len(s.Match) == 0 {
		return false // never stored (New refuses it); never a silence of everything
	}
	digest := d.Kind == notify.KindBreachDigest
	for k, v := range s.Match {
		var got string
		switch k {
		case KeyTeam:
			got = d.Team
		case KeyKind:
			got = d.Kind
		case KeySource:
			if digest && d.Source == "" {
				if !digestFrom(d, v) {
					return false
				}
				continue
			}
			got = d.Source
		case KeyPolicy:
			got = d.Policy
		case KeyChannel:
			got = d.Channel
		case KeyPriority:
			got = d.Priority
		case KeyTicket:
			got = d.TicketID
		default:
			return false // a key this version does not know: hold nothing
		}
		if digest && k != KeyTeam && k != KeyKind && k != KeySource {
			return false
		}
		if got != v {
			return false
		}
	}
	return true
}

// digestFrom reports whether every ticket of digest d comes from source.
func digestFrom(d notify.Document, source string) bool {
	if len(d.Tickets) == 0 {
		return false
	}
	for _, t := range d.Tickets {
		if t.Source != source {
			return false
		}
	}
	return true
}

// Holding returns the first of ss, in end order, that is active at now
// and matches d: the silence to record d against.
func Holding(ss []Silence, d notify.Document, now time.Time) (Silence, bool) {
	ss = slices.Clone(ss)
	slices.SortStableFunc(ss, Compare)
	for _, s := range ss {
		if s.Active(now) && s.Matches(d) {
			return s, true
		}
	}
	return Silence{}, false
}

// Compare orders silences by end, then id: the order stores list them in.
func Compare(a, b Silence) int {
	return cmp.Or(a.Ends.Compare(b.Ends), cmp.Compare(a.ID, b.ID))
}

// Expire returns s ended by hand at at: ExpiredAt is set and Ends moved to
// at if that is earlier. Expiring an expired silence changes nothing.
func (s Silence) Expire(at time.Time) Silence {
	if s.ExpiredAt != nil {
		return s
	}
	at = at.UTC()
	s.ExpiredAt = &at
	if at.Before(s.Ends) {
		s.Ends = at
	}
	return s
}

// MatchString writes the matchers as Parse reads them, keys in Keys order.
func (s Silence) MatchString() string { return FormatMatch(s.Match) }

// FormatMatch writes matchers as Parse reads them, keys in Keys order.
func FormatMatch(m map[string]string) string {
	var parts []string
	for _, k := range Keys() {
		if v, ok := m[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, ",")
}
