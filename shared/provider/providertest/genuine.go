package providertest

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// GenuineDir is where an adapter's package keeps genuine payloads: bodies
// a helpdesk published or another project captured, byte for byte, each
// named in the folder's SOURCES.md with where it comes from.
const GenuineDir = "testdata/genuine"

// Genuine returns the body of the genuine payload name in GenuineDir.
func Genuine(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(GenuineDir, name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// CheckCorpus fails tb unless the table of a conformance test, which
// covers the files names, and the folder dir agree: every *.json in dir is
// covered, every covered name is a file there, no name is covered twice
// (a table that sends one body in several ways passes each name once), and
// dir/SOURCES.md names every *.json in backticks. A payload dropped into
// the folder thus cannot go untested, nor without its provenance.
func CheckCorpus(tb testing.TB, dir string, names []string) {
	tb.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(paths) == 0 {
		tb.Fatalf("no payloads in %s: %v", dir, err)
	}
	onDisk := map[string]bool{}
	for _, p := range paths {
		onDisk[filepath.Base(p)] = true
	}
	covered := map[string]bool{}
	for _, n := range names {
		if covered[n] {
			tb.Errorf("%s is covered twice", n)
		}
		covered[n] = true
		if !onDisk[n] {
			tb.Errorf("%s is covered but not in %s", n, dir)
		}
	}
	sources, err := os.ReadFile(filepath.Join(dir, "SOURCES.md"))
	if err != nil {
		tb.Fatal(err)
	}
	for _, p := range paths {
		n := filepath.Base(p)
		if !covered[n] {
			tb.Errorf("%s has no expected result in the conformance table", p)
		}
		if !strings.Contains(string(sources), "`"+n+"`") {
			tb.Errorf("%s/SOURCES.md does not say where %s comes from", dir, n)
		}
	}
}

// A Signer adds to r the headers with which a helpdesk authenticates it.
type Signer func(r *provider.Request) error

// SignAs returns the Signer that signs as Sign does for the provider prov,
// with secret, at now.
func SignAs(prov string, secret []byte, now time.Time) Signer {
	return func(r *provider.Request) error { return Sign(prov, secret, r, now) }
}

// Deliver signs r with sign and hands it to a as slawatch does on receipt:
// tb fails unless Verify accepts it, and Deliver returns what Parse makes
// of it, error included, for tests that expect a body to be refused.
func Deliver(tb testing.TB, a provider.Adapter, sign Signer, r provider.Request, s provider.Settings) (provider.Result, error) {
	tb.Helper()
	if err := sign(&r); err != nil {
		tb.Fatal(err)
	}
	if err := a.Verify(r, s); err != nil {
		tb.Fatalf("Verify: %v", err)
	}
	return a.Parse(r, s)
}

// Parsed is Deliver for a request Parse must accept: it fails tb on
// Parse's error.
func Parsed(tb testing.TB, a provider.Adapter, sign Signer, r provider.Request, s provider.Settings) provider.Result {
	tb.Helper()
	res, err := Deliver(tb, a, sign, r, s)
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return res
}

// CheckResult fails tb unless res is ignored for the reason ignored (empty:
// not ignored) and carries exactly the events want — compared with
// reflect.DeepEqual, so times must match in location too and nil tags
// differ from empty ones — each valid and ending a first-response clock
// only if counts.
func CheckResult(tb testing.TB, res provider.Result, want []event.Event, ignored string, counts bool) {
	tb.Helper()
	if res.Ignored != ignored {
		tb.Errorf("Ignored = %q, want %q", res.Ignored, ignored)
	}
	if !reflect.DeepEqual(res.Events, want) {
		tb.Errorf("events:\n got %+v\nwant %+v", res.Events, want)
	}
	for _, e := range res.Events {
		if err := e.Validate(); err != nil {
			tb.Errorf("invalid event: %v", err)
		}
		if e.CountsAsResponse() != counts {
			tb.Errorf("%s: CountsAsResponse = %v, want %v", e.Kind, e.CountsAsResponse(), counts)
		}
	}
}

// CheckEvents fails tb unless got are the events want, one by one: the
// same instant (time.Time.Equal, whatever the location) and otherwise
// reflect.DeepEqual, and each valid. A different number of events stops
// the test.
func CheckEvents(tb testing.TB, got, want []event.Event) {
	tb.Helper()
	if len(got) != len(want) {
		tb.Fatalf("got %d events %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.OccurredAt.Equal(w.OccurredAt) {
			tb.Errorf("event %d: OccurredAt = %s, want %s", i, g.OccurredAt, w.OccurredAt)
		}
		g.OccurredAt, w.OccurredAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(g, w) {
			tb.Errorf("event %d:\n got %#v\nwant %#v", i, g, w)
		}
		if err := got[i].Validate(); err != nil {
			tb.Errorf("event %d does not validate: %v", i, err)
		}
	}
}
