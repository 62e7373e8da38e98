package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/reconfig"
	"github.com/slawatch/slawatch/shared/sla"
	"github.com/slawatch/slawatch/shared/store"
)

// diffOld is the configuration before; diffNew halves the email first
// response (4h → 2h); chat's 1h stays.
const diffOld = `
sources:
  generic: {provider: generic}
acknowledgements: {enabled: false}
policies:
  - name: chat
    match: {channel: chat}
    first_response: {within: 1h}
  - name: standard
    match: {channel: email}
    first_response: {within: 4h}
    next_reply: {within: 8h}
`

var diffNew = strings.Replace(diffOld, "within: 4h", "within: 2h", 1)

func writeNamed(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runCLI runs a command line and returns its exit status and output.
func runCLI(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := exitCode(run(context.Background(), args, &out, &errOut), &errOut)
	return code, out.String(), errOut.String()
}

// hhmm formats an instant as config diff prints it.
func hhmm(t time.Time) string { return t.UTC().Format("2006-01-02 15:04Z") }

func TestConfigDiffServer(t *testing.T) {
	dir := t.TempDir()
	oldPath, newPath := writeNamed(t, dir, "old.yaml", diffOld), writeNamed(t, dir, "new.yaml", diffNew)
	t.Setenv("SLAWATCH_GENERIC_SECRET", "k")
	s := startServer(t, "--config", oldPath)
	// An email ticket waiting 3h: due at +4h, under the new config at +2h,
	// already past; a chat ticket waiting 30m, due at +1h under both.
	emailAt := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Minute)
	chatAt := time.Now().UTC().Add(-30 * time.Minute)
	for _, body := range []string{
		fmt.Sprintf(`{"ticket_id":"1","event_id":"c1","kind":"ticket_created","occurred_at":%q,"channel":"email"}`, emailAt.Format(time.RFC3339)),
		fmt.Sprintf(`{"ticket_id":"2","event_id":"c2","kind":"ticket_created","occurred_at":%q,"channel":"chat"}`, chatAt.Format(time.RFC3339)),
	} {
		if code := s.post(t, "k", body); code != http.StatusOK {
			t.Fatalf("post: %d; logs:\n%s", code, s.logs.String())
		}
	}
	url := "http://" + s.addr

	code, out, errOut := runCLI("config", "diff", "--url", url, oldPath, oldPath)
	if code != 0 || out != "nothing moves (2 open tickets)\n" {
		t.Errorf("same configuration: exit %d, output %q %s; want 0, nothing moves", code, out, errOut)
	}

	code, out, errOut = runCLI("config", "diff", "--url", url, oldPath, newPath)
	if code != 1 {
		t.Fatalf("new configuration: exit %d (%s), want 1", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	want := [][]string{
		{"ticket", "clock", "policy", "target", "due", "moves", "breach"},
		append(append([]string{"generic/1", "first_response", "standard", "→", "standard", "4h0m0s", "→", "2h0m0s"},
			strings.Fields(hhmm(emailAt.Add(4*time.Hour))+" → "+hhmm(emailAt.Add(2*time.Hour)))...), "earlier", "at", "once"),
		strings.Fields("1 clocks move on 1 of 2 open tickets; 1 breach at once"),
	}
	if len(lines) != len(want) {
		t.Fatalf("output:\n%s\nwant %d lines", out, len(want))
	}
	for i, w := range want {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("line %d: %q, want %q", i, strings.Join(got, " "), strings.Join(w, " "))
		}
	}

	// As JSON, the same change.
	code, out, _ = runCLI("config", "diff", "--url", url, "--json", oldPath, newPath)
	var doc struct {
		New     string       `json:"new"`
		Changes []sla.Change `json:"changes"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 1 || len(doc.Changes) != 1 || doc.Changes[0].ID != "1" {
		t.Errorf("--json: exit %d, %v, %s", code, err, out)
	}

	// Errors exit 2: an invalid configuration, a server not there.
	bad := writeNamed(t, dir, "bad.yaml", strings.Replace(diffOld, "within: 4h", "within: soon", 1))
	if code, _, errOut := runCLI("config", "diff", "--url", url, oldPath, bad); code != 2 || !strings.Contains(errOut, "first_response") {
		t.Errorf("invalid NEW: exit %d, %q; want 2 and the field", code, errOut)
	}
	if code, _, _ := runCLI("config", "diff", "--url", "http://127.0.0.1:1", oldPath, newPath); code != 2 {
		t.Errorf("no server: exit %d, want 2", code)
	}
	if code, _, _ := runCLI("config", "diff", oldPath); code != 2 {
		t.Errorf("one file: exit %d, want 2", code)
	}
}

// The same diff over a store (as --store dynamodb reads it): the Memory
// store, through the same storeTickets.
func TestConfigDiffStore(t *testing.T) {
	prev, next := mustParseConfig(t, diffOld), mustParseConfig(t, diffNew)
	m := store.NewMemory()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	e := event.Event{Source: "generic", TicketID: "1", ID: "c1", Kind: event.TicketCreated, OccurredAt: at, Channel: event.Email, Author: event.Customer, Public: true}
	if _, err := m.Update(context.Background(), store.Key{Source: "generic", ID: "1"}, "c1", func(t sla.Ticket) (sla.Ticket, bool, error) { return sla.Apply(prev, t, e) }); err != nil {
		t.Fatal(err)
	}
	tickets, err := storeTickets{Tickets: m, Clocks: m}.OpenTickets(context.Background())
	if err != nil || len(tickets) != 1 {
		t.Fatalf("open tickets %v, %v", tickets, err)
	}
	var out bytes.Buffer
	if err := printDiff(&out, reconfig.Diff(prev, next, tickets, at.Add(time.Hour)), len(tickets)); err != nil {
		t.Fatal(err)
	}
	// 09:00 + 4h = 13:00, now + 2h = 11:00: earlier, not past at 10:00.
	if !strings.Contains(out.String(), "2026-03-02 13:00Z → 2026-03-02 11:00Z  earlier") || strings.Contains(out.String(), "earlier  at once") {
		t.Errorf("output:\n%s", out.String())
	}
}

func mustParseConfig(t *testing.T, doc string) *policy.Config {
	t.Helper()
	c, err := policy.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// SIGHUP: an invalid file is refused (logged, alerted, the old config
// keeps running); a valid one is applied and retargets the open ticket,
// whose breach, now past, goes out once.
func TestServeReloadsOnSIGHUP(t *testing.T) {
	dir := t.TempDir()
	path := writeNamed(t, dir, "slawatch.yaml", diffOld)
	t.Setenv("SLAWATCH_GENERIC_SECRET", "k")
	s := startServer(t, "--config", path, "--check-every", "100ms")
	createdAt := time.Now().UTC().Add(-3 * time.Hour).Truncate(time.Second)
	if code := s.post(t, "k", fmt.Sprintf(`{"ticket_id":"1","event_id":"c1","kind":"ticket_created","occurred_at":%q,"channel":"email"}`, createdAt.Format(time.RFC3339))); code != http.StatusOK {
		t.Fatalf("post: %d", code)
	}
	ticket := func() (due time.Time, version string) {
		t.Helper()
		resp, err := http.Get("http://" + s.addr + "/tickets/generic/1")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v sla.View
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil || v.FirstResponse == nil || v.FirstResponse.DueAt == nil {
			t.Fatalf("ticket view: %v %+v", err, v)
		}
		return *v.FirstResponse.DueAt, v.ConfigVersion
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no %s; logs:\n%s\nout:\n%s", what, s.logs.String(), s.out.String())
			}
		}
	}
	oldVersion := mustParseConfig(t, diffOld).Version()
	if due, v := ticket(); !due.Equal(createdAt.Add(4*time.Hour)) || v != oldVersion {
		t.Fatalf("before: due %v version %s, want %v %s", due, v, createdAt.Add(4*time.Hour), oldVersion)
	}

	writeNamed(t, dir, "slawatch.yaml", strings.Replace(diffNew, "within: 2h", "within: 2 hours", 1))
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor("refusal", func() bool {
		return strings.Contains(s.logs.String(), "configuration refused") && strings.Contains(s.out.String(), `"kind":"sla.config_refused"`)
	})
	if due, v := ticket(); !due.Equal(createdAt.Add(4*time.Hour)) || v != oldVersion {
		t.Errorf("after the refusal: due %v version %s, want the old %v %s", due, v, createdAt.Add(4*time.Hour), oldVersion)
	}

	writeNamed(t, dir, "slawatch.yaml", diffNew)
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor("retargeting", func() bool { return strings.Contains(s.logs.String(), "open tickets retargeted") })
	newVersion := mustParseConfig(t, diffNew).Version()
	if due, v := ticket(); !due.Equal(createdAt.Add(2*time.Hour)) || v != newVersion {
		t.Errorf("after the reload: due %v version %s, want %v %s", due, v, createdAt.Add(2*time.Hour), newVersion)
	}
	breaches := func() int { return strings.Count(s.out.String(), `"kind":"sla.breach"`) }
	waitFor("breach", func() bool { return breaches() > 0 })
	time.Sleep(500 * time.Millisecond) // five more checker runs
	if n := breaches(); n != 1 {
		t.Errorf("%d breaches sent, want 1:\n%s", n, s.out.String())
	}
}
