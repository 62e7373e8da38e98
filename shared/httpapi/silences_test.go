package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/httpapi"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/silence"
	"github.com/slawatch/slawatch/shared/store"
)

var silenceNow = time.Date(2026, 12, 20, 9, 0, 0, 0, time.UTC)

// silenceServer serves a memory store's silences at silenceNow, with the
// configuration's max_duration (empty: the default).
func silenceServer(t *testing.T, maxDuration string) (*httptest.Server, *store.Memory, *bytes.Buffer) {
	t.Helper()
	doc := "policies:\n  - name: a\n    first_response: {within: 1h}\n"
	if maxDuration != "" {
		doc = "alerts: {silences: {max_duration: " + maxDuration + "}}\n" + doc
	}
	cfg, err := policy.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	mem := store.NewMemoryAt(func() time.Time { return silenceNow })
	var logs bytes.Buffer
	api := httpapi.New(cfg, mem, func(string) (string, bool) { return "", false }, slog.New(slog.NewTextHandler(&logs, nil)))
	api.Now = func() time.Time { return silenceNow }
	api.Silences = mem
	srv := httptest.NewServer(api.Handler())
	t.Cleanup(srv.Close)
	return srv, mem, &logs
}

func request(t *testing.T, method, url, contentType, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); method != http.MethodHead && ct != "application/json" {
		t.Errorf("%s %s: content type %q", method, url, ct)
	}
	return resp.StatusCode, b
}

func TestSilenceAPICreateListExpire(t *testing.T) {
	srv, mem, logs := silenceServer(t, "")
	code, body := request(t, http.MethodPost, srv.URL+"/api/silences", "application/json",
		`{"match": "source=zendesk,team=billing", "ends": "2026-12-24T18:00:00Z", "reason": "holiday cover", "created_by": "ana"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var created httpapi.SilenceView
	if err := json.Unmarshal(body, &created); err != nil {
		t.Fatal(err)
	}
	want := silence.Silence{ID: created.ID, Match: map[string]string{"source": "zendesk", "team": "billing"},
		Starts: silenceNow, Ends: time.Date(2026, 12, 24, 18, 0, 0, 0, time.UTC), Reason: "holiday cover", CreatedBy: "ana", CreatedAt: silenceNow}
	if !silence.ValidID(created.ID) || created.State != silence.Active || created.MatchString() != "source=zendesk,team=billing" ||
		!created.Starts.Equal(want.Starts) || !created.Ends.Equal(want.Ends) || created.Reason != want.Reason || created.CreatedBy != "ana" {
		t.Fatalf("created %+v", created)
	}
	// The JSON names its fields as docs/silences.md says.
	var raw map[string]any
	_ = json.Unmarshal(body, &raw)
	for _, k := range []string{"id", "match", "starts", "ends", "reason", "created_by", "created_at", "state"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("created silence has no %q: %s", k, body)
		}
	}
	if stored, _ := mem.Silences(context.Background()); len(stored) != 1 || stored[0].ID != created.ID {
		t.Fatalf("stored %+v", stored)
	}
	if !strings.Contains(logs.String(), "silence created") || !strings.Contains(logs.String(), created.ID) {
		t.Errorf("creation not logged: %s", logs)
	}

	// An object matcher, scheduled for later: pending.
	code, body = request(t, http.MethodPost, srv.URL+"/api/silences", "application/json; charset=utf-8",
		`{"match": {"kind": "sla.warning"}, "starts": "2026-12-21T00:00:00+01:00", "ends": "2026-12-21T08:00:00Z", "reason": "noisy"}`)
	if code != http.StatusCreated {
		t.Fatalf("create pending: %d %s", code, body)
	}
	var pending httpapi.SilenceView
	_ = json.Unmarshal(body, &pending)
	if pending.State != silence.Pending || !pending.Starts.Equal(time.Date(2026, 12, 20, 23, 0, 0, 0, time.UTC)) {
		t.Errorf("pending %+v", pending)
	}

	code, body = request(t, http.MethodGet, srv.URL+"/api/silences", "", "")
	var list struct{ Silences []httpapi.SilenceView }
	if err := json.Unmarshal(body, &list); code != http.StatusOK || err != nil {
		t.Fatalf("list: %d %s", code, body)
	}
	// By end: the pending one ends first.
	if len(list.Silences) != 2 || list.Silences[0].ID != pending.ID || list.Silences[1].ID != created.ID ||
		list.Silences[1].State != silence.Active {
		t.Errorf("list %s", body)
	}

	code, body = request(t, http.MethodPost, srv.URL+"/api/silences/"+created.ID+"/expire", "", "")
	var expired httpapi.SilenceView
	if err := json.Unmarshal(body, &expired); code != http.StatusOK || err != nil {
		t.Fatalf("expire: %d %s", code, body)
	}
	if expired.State != silence.Ended || expired.ExpiredAt == nil || !expired.ExpiredAt.Equal(silenceNow) || !expired.Ends.Equal(silenceNow) {
		t.Errorf("expired %+v", expired)
	}
	// Again: the same answer, nothing moved.
	if code, again := request(t, http.MethodPost, srv.URL+"/api/silences/"+created.ID+"/expire", "", ""); code != http.StatusOK || !bytes.Equal(again, body) {
		t.Errorf("second expire: %d %s", code, again)
	}
	code, body = request(t, http.MethodPost, srv.URL+"/api/silences/0123456789abcdef/expire", "", "")
	if code != http.StatusNotFound || !strings.Contains(string(body), `no silence \"0123456789abcdef\"`) {
		t.Errorf("expire unknown: %d %s", code, body)
	}
}

func TestSilenceAPIRefusals(t *testing.T) {
	srv, mem, _ := silenceServer(t, "24h")
	for _, tc := range []struct {
		name, body, param, msg string
	}{
		{"no end", `{"match": "team=billing", "reason": "r"}`, "ends", "required"},
		{"end in the past", `{"match": "team=billing", "ends": "2026-12-19T00:00:00Z", "reason": "r"}`, "ends", "not in the future"},
		{"over the configured limit", `{"match": "team=billing", "ends": "2026-12-21T09:00:01Z", "reason": "r"}`, "ends", "limit of 1 day"},
		{"end not RFC 3339", `{"match": "team=billing", "ends": "2026-12-21", "reason": "r"}`, "ends", "RFC 3339"},
		{"start not RFC 3339", `{"match": "team=billing", "starts": "tomorrow", "ends": "2026-12-21T00:00:00Z", "reason": "r"}`, "starts", "RFC 3339"},
		{"end before start", `{"match": "team=billing", "starts": "2026-12-20T12:00:00Z", "ends": "2026-12-20T11:00:00Z", "reason": "r"}`, "ends", "not after the start"},
		{"no match", `{"ends": "2026-12-21T00:00:00Z", "reason": "r"}`, "match", "empty"},
		{"empty match object", `{"match": {}, "ends": "2026-12-21T00:00:00Z", "reason": "r"}`, "match", "hide a real outage"},
		{"unknown match key", `{"match": {"severity": "critical"}, "ends": "2026-12-21T00:00:00Z", "reason": "r"}`, "match", `unknown key \"severity\"`},
		{"duplicate key", `{"match": "team=a,team=b", "ends": "2026-12-21T00:00:00Z", "reason": "r"}`, "match", "given twice"},
		{"empty value", `{"match": {"team": ""}, "ends": "2026-12-21T00:00:00Z", "reason": "r"}`, "match", "empty value"},
		{"match of numbers", `{"match": {"team": 7}, "ends": "2026-12-21T00:00:00Z", "reason": "r"}`, "match", "want an object of strings"},
		{"no reason", `{"match": "team=billing", "ends": "2026-12-21T00:00:00Z"}`, "reason", "required"},
		{"unknown field", `{"match": "team=billing", "ends": "2026-12-21T00:00:00Z", "reason": "r", "duration": "4h"}`, "duration", "unknown field"},
		{"not JSON", `match=team`, "body", "JSON object"},
	} {
		code, body := request(t, http.MethodPost, srv.URL+"/api/silences", "application/json", tc.body)
		var e struct{ Error, Parameter string }
		if err := json.Unmarshal(body, &e); code != http.StatusBadRequest || err != nil || e.Parameter != tc.param ||
			!strings.HasPrefix(e.Error, tc.param+": ") || !strings.Contains(string(body), tc.msg) {
			t.Errorf("%s: %d %s; want 400 naming %s with %q", tc.name, code, body, tc.param, tc.msg)
		}
	}
	// A form post (what a page on another site can send without asking)
	// is refused before anything is read.
	if code, body := request(t, http.MethodPost, srv.URL+"/api/silences", "text/plain",
		`{"match": "team=billing", "ends": "2026-12-21T00:00:00Z", "reason": "r"}`); code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d %s", code, body)
	}
	if code, _ := request(t, http.MethodDelete, srv.URL+"/api/silences", "", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("DELETE /api/silences: %d", code)
	}
	if code, _ := request(t, http.MethodGet, srv.URL+"/api/silences/0123456789abcdef/expire", "", ""); code != http.StatusMethodNotAllowed {
		t.Errorf("GET expire: %d", code)
	}
	if ss, _ := mem.Silences(context.Background()); len(ss) != 0 {
		t.Errorf("refused requests stored %+v", ss)
	}
}

func TestSilenceAPIWithoutStore(t *testing.T) {
	cfg, err := policy.Parse([]byte("policies:\n  - name: a\n    first_response: {within: 1h}\n"))
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.New(cfg, store.NewMemory(), func(string) (string, bool) { return "", false }, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(api.Handler())
	defer srv.Close()
	for _, r := range []struct{ method, path, body string }{
		{http.MethodGet, "/api/silences", ""},
		{http.MethodPost, "/api/silences", `{"match": "team=billing", "ends": "2099-01-01T00:00:00Z", "reason": "r"}`},
		{http.MethodPost, "/api/silences/0123456789abcdef/expire", ""},
	} {
		if code, body := request(t, r.method, srv.URL+r.path, "application/json", r.body); code != http.StatusNotImplemented {
			t.Errorf("%s %s: %d %s, want 501", r.method, r.path, code, body)
		}
	}
}
