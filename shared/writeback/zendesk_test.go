package writeback_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/writeback"
)

const (
	zendeskUser  = "agent@example.com/token"
	zendeskToken = "6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv"
)

// zendeskUpdate is the body of PUT /api/v2/tickets/{id}.json as far as
// slawatch may send it: a comment and nothing else about the ticket.
type zendeskUpdate struct {
	Ticket *struct {
		Comment *struct {
			HTMLBody *string `json:"html_body"`
			Public   *bool   `json:"public"`
			AuthorID *int64  `json:"author_id"`
		} `json:"comment"`
	} `json:"ticket"`
}

// newZendeskAPI fakes Zendesk's Update Ticket endpoint for ticket 4711.
func newZendeskAPI() *fakeAPI[zendeskUpdate] {
	return &fakeAPI[zendeskUpdate]{
		method: http.MethodPut,
		path:   "/api/v2/tickets/4711.json",
		user:   zendeskUser,
		pass:   zendeskToken,
		ok: answer{status: http.StatusOK, body: `{"ticket":{"url":"https://acme.zendesk.com/api/v2/tickets/4711.json","id":4711,` +
			`"subject":"Printer on fire","status":"open","priority":"high","requester_id":20978392,"assignee_id":null,` +
			`"updated_at":"2026-11-23T09:14:07Z"},"audit":{"id":2127301143,"ticket_id":4711,"created_at":"2026-11-23T09:14:07Z",` +
			`"author_id":1900000001,"events":[{"id":2127301163,"type":"Comment","author_id":1900000001,` +
			`"body":"Hi Ana, thanks for writing in.","public":true}]}}`},
		unauthorized: answer{status: http.StatusUnauthorized, body: `{"error":"Couldn't authenticate you"}`},
		notFound:     answer{status: http.StatusNotFound, body: `{"error":"InvalidEndpoint","description":"Not found"}`},
		badRequest:   answer{status: http.StatusBadRequest, body: `{"error":"Unprocessable Entity","description":"Server could not parse JSON"}`},
	}
}

// zendeskReplier is New's Replier for a Zendesk source at apiURL; posting
// as user 1900000001 when ackAuthor is "".
func zendeskReplier(t *testing.T, apiURL, ackAuthor string) writeback.Replier {
	t.Helper()
	if ackAuthor == "" {
		ackAuthor = "1900000001"
	}
	src := policy.Source{Name: "zendesk", Provider: "zendesk", APIURL: apiURL, APITokenEnv: "SLAWATCH_ZENDESK_API_TOKEN", AckAuthor: ackAuthor}
	r, err := writeback.New(src, &http.Client{Timeout: 5 * time.Second}, env(map[string]string{
		"SLAWATCH_ZENDESK_API_TOKEN": zendeskUser + ":" + zendeskToken + "\n", // as a secrets file ends
	}))
	if err != nil || r == nil {
		t.Fatalf("New = %v, %v", r, err)
	}
	return r
}

func TestZendeskReply(t *testing.T) {
	for _, tc := range []struct {
		name       string
		ackAuthor  string
		slash      bool // api_url ends with "/"
		wantAuthor int64
	}{
		{name: "as ack_author", ackAuthor: "1900000001", wantAuthor: 1900000001},
		{name: "api_url with trailing slash", ackAuthor: "360012345678", slash: true, wantAuthor: 360012345678},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newZendeskAPI()
			base := serve(t, api)
			if tc.slash {
				base += "/"
			}
			if err := zendeskReplier(t, base, tc.ackAuthor).Reply(context.Background(), "4711", ackText); err != nil {
				t.Fatalf("Reply: %v", err)
			}
			got, agent, accept := api.last(t)
			if got.Ticket == nil || got.Ticket.Comment == nil {
				t.Fatalf("request has no ticket.comment: %+v", got)
			}
			c := got.Ticket.Comment
			if c.HTMLBody == nil || *c.HTMLBody != ackHTML {
				t.Errorf("comment html_body = %v, want %q", deref(c.HTMLBody), ackHTML)
			}
			if c.Public == nil || !*c.Public {
				t.Errorf("comment public = %v, want true", c.Public)
			}
			if c.AuthorID == nil || *c.AuthorID != tc.wantAuthor {
				t.Errorf("author_id = %v, want %d", c.AuthorID, tc.wantAuthor)
			}
			if agent != "slawatch" || accept != "application/json" {
				t.Errorf("User-Agent %q, Accept %q; want slawatch, application/json", agent, accept)
			}
			if n := api.requests.Load(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestZendeskErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reply     answer
		want      string // the whole error
		retryable bool
	}{
		{
			name:  "401 bad credentials",
			reply: answer{status: 401, body: `{"error":"Couldn't authenticate you"}`},
			want:  `zendesk: reply to ticket 4711: HTTP 401 Unauthorized: {"error":"Couldn't authenticate you"}`,
		},
		{
			name:  "404 deleted ticket",
			reply: answer{status: 404, body: `{"error":"RecordNotFound","description":"Not found"}`},
			want:  `zendesk: reply to ticket 4711: HTTP 404 Not Found: {"error":"RecordNotFound","description":"Not found"}`,
		},
		{
			name: "422 closed ticket",
			reply: answer{status: 422, body: "{\"error\":\"RecordInvalid\",\n \"description\":\"Record validation errors\",\n" +
				" \"details\":{\"status\":[{\"description\":\"Status: closed prevents ticket update\"}]}}"},
			want: `zendesk: reply to ticket 4711: HTTP 422 Unprocessable Entity: {"error":"RecordInvalid",  "description":"Record validation errors",  "details":{"status":[{"description":"Status: closed prevents ticket update"}]}}`,
		},
		{
			name:      "429 rate limited",
			reply:     answer{status: 429, header: map[string]string{"Retry-After": "93"}, body: `{"error":"APIRateLimitExceeded"}`},
			want:      `zendesk: reply to ticket 4711: HTTP 429 Too Many Requests (retry after 1m33s): {"error":"APIRateLimitExceeded"}`,
			retryable: true,
		},
		{
			name:      "500",
			reply:     answer{status: 500},
			want:      `zendesk: reply to ticket 4711: HTTP 500 Internal Server Error`,
			retryable: true,
		},
		{
			name: "503 maintenance page, cut to 200 bytes",
			reply: answer{status: 503, header: map[string]string{"Content-Type": "text/html"},
				body: "<html>\n" + strings.Repeat("a", 500) + "\n</html>"},
			want:      "zendesk: reply to ticket 4711: HTTP 503 Service Unavailable: <html> " + strings.Repeat("a", 193),
			retryable: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newZendeskAPI()
			api.reply = tc.reply
			err := zendeskReplier(t, serve(t, api), "1900000001").Reply(context.Background(), "4711", ackText)
			checkStatusError(t, err, tc.want, tc.retryable, tc.reply.status)
			api.last(t) // the answer came from the endpoint, not from a refusal of the request
			if n := api.requests.Load(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// A body cut in the middle of a multi-byte character is cut before it.
func TestErrorBodyCutOnCharacter(t *testing.T) {
	api := newZendeskAPI()
	// 1 + 2×150 bytes: byte 200 is the second byte of the 100th "é".
	api.reply = answer{status: 400, body: "x" + strings.Repeat("é", 150)}
	err := zendeskReplier(t, serve(t, api), "").Reply(context.Background(), "4711", ackText)
	var se *writeback.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("Reply error = %v, want a StatusError", err)
	}
	if want := "x" + strings.Repeat("é", 99); se.Body != want || !utf8.ValidString(se.Body) {
		t.Errorf("Body = %q (%d bytes), want x and 99 é (199 bytes)", se.Body, len(se.Body))
	}
}

// A helpdesk or proxy that echoes the request's credentials in its error
// does not get them into slawatch's errors (and so its logs).
func TestZendeskCredentialNotInErrors(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(zendeskUser + ":" + zendeskToken))
	for _, status := range []int{401, 403, 502} {
		api := newZendeskAPI()
		api.echo = true
		api.reply = answer{status: status, body: `{"error":"denied","authorization":%q,"user":%q,"password":%q}`}
		err := zendeskReplier(t, serve(t, api), "").Reply(context.Background(), "4711", ackText)
		if err == nil {
			t.Fatalf("%d: Reply succeeded", status)
		}
		msg := err.Error()
		for _, secret := range []string{zendeskToken, basic, zendeskUser + ":" + zendeskToken, zendeskToken[:20]} {
			if strings.Contains(msg, secret) {
				t.Errorf("%d: error contains %q: %s", status, secret, msg)
			}
		}
		// The echo did reach the error, redacted: the user part is not secret.
		if want := `"authorization":"Basic [redacted]","user":"agent@example.com/token","password":"[redacted]"`; !strings.Contains(msg, want) {
			t.Errorf("%d: error %s\ndoes not contain %s", status, msg, want)
		}
	}
}

func TestZendeskRefusesNonNumericID(t *testing.T) {
	api := newZendeskAPI()
	r := zendeskReplier(t, serve(t, api), "1900000001")
	for _, id := range badIDs {
		err := r.Reply(context.Background(), id, ackText)
		if err == nil || !strings.HasPrefix(err.Error(), "zendesk: reply to ticket: ticket id ") || !strings.HasSuffix(err.Error(), " is not numeric") {
			t.Errorf("Reply(%q) error = %v, want a not-numeric error", id, err)
		}
		if writeback.Retryable(err) {
			t.Errorf("Reply(%q): error is retryable", id)
		}
	}
	if n := api.requests.Load(); n != 0 {
		t.Errorf("%d requests made for non-numeric ids, want 0", n)
	}
}

func TestZendeskHonoursContext(t *testing.T) {
	api := newZendeskAPI()
	base := serve(t, api)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := zendeskReplier(t, base, "").Reply(ctx, "4711", ackText)
	if !errors.Is(err, context.Canceled) || writeback.Retryable(err) {
		t.Errorf("cancelled context: error %v, want context.Canceled, not retryable", err)
	}
	if n := api.requests.Load(); n != 0 {
		t.Errorf("cancelled context: %d requests, want 0", n)
	}

	// A helpdesk that does not answer is given up on at the deadline.
	stuck := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // the server notices the client leave only once the body is read
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	ctx, cancel = context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = zendeskReplier(t, stuck, "").Reply(ctx, "4711", ackText)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "zendesk: reply to ticket 4711: ") {
		t.Errorf("deadline: error %v, want context.DeadlineExceeded wrapped with the ticket", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("deadline of 50ms: Reply returned after %v", d)
	}
}
