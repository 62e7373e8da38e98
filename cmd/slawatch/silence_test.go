package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/silence"
	"github.com/slawatch/slawatch/shared/store"
)

// silenceServer serves /api/silences over a memory store, as slawatch
// serve does, with a 7-day limit on silences.
func silenceServer(t *testing.T) (string, *store.Memory) {
	t.Helper()
	cfg, err := policy.Parse([]byte("alerts: {silences: {max_duration: 168h}}\npolicies:\n  - name: a\n    first_response: {within: 1h}\n"))
	if err != nil {
		t.Fatal(err)
	}
	mem := store.NewMemory()
	api := httpapi.New(cfg, mem, func(string) (string, bool) { return "", false }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	api.Silences = mem
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return srv.URL, mem
}

func TestSilenceCLIAddListExpire(t *testing.T) {
	u, mem := silenceServer(t)
	until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	code, out, errOut := cli("silence", "add", "--url", u, "--match", "source=zendesk,team=billing",
		"--until", until.Format(time.RFC3339), "--reason", "holiday cover", "--by", "ana")
	id := strings.TrimSpace(out)
	if code != 0 || errOut != "" || !silence.ValidID(id) {
		t.Fatalf("add: exit %d, stdout %q, stderr %q; want 0 and the id", code, out, errOut)
	}
	stored, _ := mem.Silences(context.Background())
	if len(stored) != 1 || stored[0].ID != id || stored[0].MatchString() != "source=zendesk,team=billing" ||
		!stored[0].Ends.Equal(until) || stored[0].Reason != "holiday cover" || stored[0].CreatedBy != "ana" {
		t.Fatalf("stored %+v", stored)
	}

	// --for: an end that long after the start.
	from := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	code, out, errOut = cli("silence", "add", "--url", u, "--match", "kind=sla.warning", "--from", from.Format(time.RFC3339),
		"--for", "2h", "--reason", "noisy")
	later := strings.TrimSpace(out)
	if code != 0 || errOut != "" {
		t.Fatalf("add --for: exit %d, %q, %q", code, out, errOut)
	}

	code, out, errOut = cli("silence", "list", "--url", u)
	if code != 0 || errOut != "" {
		t.Fatalf("list: exit %d, %q", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	header := regexp.MustCompile(`^id\s+match\s+from\s+until\s+state\s+reason$`)
	if len(lines) != 3 || !header.MatchString(lines[0]) {
		t.Fatalf("list:\n%s", out)
	}
	// By end: the 2-hour one first, pending; then the 48-hour one, active.
	want := []*regexp.Regexp{
		regexp.MustCompile(`^` + later + `\s+kind=sla.warning\s+` + regexp.QuoteMeta(from.Format(time.RFC3339)) + `\s+` +
			regexp.QuoteMeta(from.Add(2*time.Hour).Format(time.RFC3339)) + `\s+pending\s+noisy$`),
		regexp.MustCompile(`^` + id + `\s+source=zendesk,team=billing\s+\S+\s+` + regexp.QuoteMeta(until.Format(time.RFC3339)) + `\s+active\s+holiday cover$`),
	}
	for i, re := range want {
		if !re.MatchString(lines[i+1]) {
			t.Errorf("row %d %q, want %s", i+1, lines[i+1], re)
		}
	}

	code, out, errOut = cli("silence", "expire", id, "--url", u)
	if code != 0 || errOut != "" || !strings.HasPrefix(out, id+" expired at ") {
		t.Fatalf("expire: exit %d, %q, %q", code, out, errOut)
	}
	if _, out, _ = cli("silence", "list", "--url", u); !regexp.MustCompile(id + `.*\sended\s+holiday cover`).MatchString(out) {
		t.Errorf("after expire:\n%s", out)
	}
	code, _, errOut = cli("silence", "expire", "0123456789abcdef", "--url", u)
	if code != 1 || !strings.Contains(errOut, `no silence "0123456789abcdef"`) {
		t.Errorf("expire unknown: exit %d, %q; want 1 naming the silence", code, errOut)
	}
}

// Mistakes exit 2 naming the flag, whether the CLI or the server finds
// them; nothing is stored.
func TestSilenceCLIUsageErrors(t *testing.T) {
	u, mem := silenceServer(t)
	soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"silence"}, "silence: want add, list or expire"},
		{[]string{"silence", "mute"}, `unknown subcommand "mute"`},
		{[]string{"silence", "add", "--match", "team=billing", "--reason", "r"}, "--until: required"},
		{[]string{"silence", "add", "--match", "team=billing", "--reason", "r", "--until", soon, "--for", "1h"}, "give one end"},
		{[]string{"silence", "add", "--match", "colour=red", "--reason", "r", "--until", soon}, `--match: unknown key "colour"`},
		{[]string{"silence", "add", "--match", "team=", "--reason", "r", "--until", soon}, `--match: key "team" has an empty value`},
		{[]string{"silence", "add", "--match", "team=a,team=b", "--reason", "r", "--until", soon}, `--match: key "team" given twice`},
		{[]string{"silence", "add", "--reason", "r", "--until", soon}, "--match: empty"},
		// The server's refusals, named by flag:
		{[]string{"silence", "add", "--match", "team=billing", "--until", soon}, "--reason: required"},
		{[]string{"silence", "add", "--match", "team=billing", "--reason", "r", "--until", "tomorrow"}, "--until: want an RFC 3339 time"},
		{[]string{"silence", "add", "--match", "team=billing", "--reason", "r", "--until", "2020-01-01T00:00:00Z"}, "--until: 2020-01-01T00:00:00Z is not in the future"},
		{[]string{"silence", "add", "--match", "team=billing", "--reason", "r", "--for", "170h"}, "(alerts.silences.max_duration)"},
		{[]string{"silence", "add", "--match", "team=billing", "--reason", "r", "--for", "170h"}, "--for: the silence would last 7 days"},
		{[]string{"silence", "add", "--match", "team=billing", "--reason", "r", "--for", "1h", "--from", "now"}, "--from: want an RFC 3339 time"},
		{[]string{"silence", "expire"}, "needs one silence ID"},
		{[]string{"silence", "expire", "abc"}, `ID "abc": want the 16 hex digits`},
		{[]string{"silence", "list", "--store", "sqlite"}, `--store "sqlite": want dynamodb`},
	} {
		args := tc.args
		if len(args) > 2 {
			args = append(args, "--url", u)
		}
		code, out, errOut := cli(args...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want 2 and %q", tc.args, code, out, errOut, tc.want)
		}
	}
	if ss, _ := mem.Silences(context.Background()); len(ss) != 0 {
		t.Errorf("stored %+v", ss)
	}
}

func TestSilenceCLIHelp(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		mentions string
	}{
		{[]string{"silence", "--help"}, "alerts.silences.max_duration"},
		{[]string{"silence", "add", "--help"}, "-until string"},
		{[]string{"help", "silence", "list"}, "-json"},
		{[]string{"silence", "expire", "-h"}, "-dynamodb-endpoint string"},
	} {
		code, out, errOut := cli(tc.args...)
		if code != 0 || errOut != "" || !strings.HasPrefix(out, "usage: slawatch silence") || !strings.Contains(out, tc.mentions) {
			t.Errorf("%q: exit %d, %q, %q", tc.args, code, out, errOut)
		}
	}
}

// Without --url a server that keeps no silences says so.
func TestSilenceCLIServerWithoutSilences(t *testing.T) {
	api := httpapi.New(policy.Default(), store.NewMemory(), func(string) (string, bool) { return "", false }, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	code, _, errOut := cli("silence", "list", "--url", srv.URL)
	if code != 1 || !strings.Contains(errOut, "keeps no silences") {
		t.Errorf("exit %d, %q", code, errOut)
	}
}
