package writeback_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/writeback"
)

const freshdeskKey = "Fq7HdKeY3xLmP0aB9cZt"

// freshdeskReply is the body of POST /api/v2/tickets/{id}/reply as far as
// slawatch may send it.
type freshdeskReply struct {
	Body   *string `json:"body"`
	UserID *int64  `json:"user_id"`
}

// newFreshdeskAPI fakes Freshdesk's Create a Reply endpoint for ticket 4711.
func newFreshdeskAPI() *fakeAPI[freshdeskReply] {
	return &fakeAPI[freshdeskReply]{
		method: http.MethodPost,
		path:   "/api/v2/tickets/4711/reply",
		user:   freshdeskKey,
		pass:   "X",
		ok: answer{status: http.StatusCreated, body: `{"body_text":"Hi Ana, thanks for writing in.","body":"Hi Ana,<br><br>thanks for writing in.",` +
			`"id":501152839745,"incoming":false,"private":false,"user_id":501003979303,"support_email":"support@acme.freshdesk.com",` +
			`"source":0,"category":3,"ticket_id":4711,"to_emails":["ana@example.com"],"from_email":"support@acme.freshdesk.com",` +
			`"cc_emails":[],"bcc_emails":[],"email_failure_count":null,"outgoing_failures":null,` +
			`"created_at":"2026-11-23T09:14:07Z","updated_at":"2026-11-23T09:14:07Z","attachments":[]}`},
		unauthorized: answer{status: http.StatusUnauthorized, body: `{"code":"invalid_credentials","message":"You have to be logged in to perform this action."}`},
		notFound:     answer{status: http.StatusNotFound},
		badRequest: answer{status: http.StatusBadRequest, body: `{"description":"Validation failed","errors":[{"field":"body",` +
			`"message":"Unexpected/invalid field in request","code":"invalid_field"}]}`},
	}
}

// freshdeskReplier is New's Replier for a Freshdesk source at apiURL;
// posting as agent 501003979303 when ackAuthor is "".
func freshdeskReplier(t *testing.T, apiURL, ackAuthor string) writeback.Replier {
	t.Helper()
	if ackAuthor == "" {
		ackAuthor = "501003979303"
	}
	src := policy.Source{Name: "freshdesk", Provider: "freshdesk", APIURL: apiURL, APITokenEnv: "SLAWATCH_FRESHDESK_API_KEY", AckAuthor: ackAuthor}
	r, err := writeback.New(src, &http.Client{Timeout: 5 * time.Second}, env(map[string]string{"SLAWATCH_FRESHDESK_API_KEY": freshdeskKey}))
	if err != nil || r == nil {
		t.Fatalf("New = %v, %v", r, err)
	}
	return r
}

func TestFreshdeskReply(t *testing.T) {
	for _, tc := range []struct {
		name      string
		text      string
		ackAuthor string
		wantBody  string
		wantUser  int64
	}{
		{
			name:      "acknowledgement as ack_author",
			text:      ackText,
			ackAuthor: "501003979303",
			wantBody:  ackHTML,
			wantUser:  501003979303,
		},
		{
			name:      "another agent",
			text:      ackText,
			ackAuthor: "501003979304",
			wantBody:  ackHTML,
			wantUser:  501003979304,
		},
		{
			// Text that writes a comment of its own cannot end it early
			// or fake one: it is escaped.
			name:     "markup in the text is escaped",
			text:     "Re: <script>alert(1)</script> & \"Q3\" isn't <b>bold</b> <!-- x -->\r\nbye",
			wantBody: "Re: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Q3&#34; isn&#39;t &lt;b&gt;bold&lt;/b&gt; &lt;!-- x --&gt;<br>bye\n<!-- slawatch:ack -->",
			wantUser: 501003979303,
		},
		{
			name:     "lone carriage returns and a trailing newline",
			text:     "one\rtwo\n",
			wantBody: "one<br>two<br>\n<!-- slawatch:ack -->",
			wantUser: 501003979303,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFreshdeskAPI()
			if err := freshdeskReplier(t, serve(t, api), tc.ackAuthor).Reply(context.Background(), "4711", tc.text); err != nil {
				t.Fatalf("Reply: %v", err)
			}
			got, agent, accept := api.last(t)
			if got.Body == nil || *got.Body != tc.wantBody {
				t.Errorf("body\n got %v\nwant %q", deref(got.Body), tc.wantBody)
			}
			if got.UserID == nil || *got.UserID != tc.wantUser {
				t.Errorf("user_id = %v, want %d", got.UserID, tc.wantUser)
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

func deref(s *string) string {
	if s == nil {
		return "<absent>"
	}
	return *s
}

func TestFreshdeskErrors(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reply     answer
		want      string
		retryable bool
	}{
		{
			name:  "401 bad key",
			reply: answer{status: 401, body: `{"code":"invalid_credentials","message":"You have to be logged in to perform this action."}`},
			want:  `freshdesk: reply to ticket 4711: HTTP 401 Unauthorized: {"code":"invalid_credentials","message":"You have to be logged in to perform this action."}`,
		},
		{
			name:  "404 no such ticket, empty body",
			reply: answer{status: 404},
			want:  `freshdesk: reply to ticket 4711: HTTP 404 Not Found`,
		},
		{
			name:  "400 validation failed",
			reply: answer{status: 400, body: `{"description":"Validation failed","errors":[{"field":"user_id","message":"There is no contact matching the given user_id","code":"invalid_value"}]}`},
			want:  `freshdesk: reply to ticket 4711: HTTP 400 Bad Request: {"description":"Validation failed","errors":[{"field":"user_id","message":"There is no contact matching the given user_id","code":"invalid_value"}]}`,
		},
		{
			name:  "422",
			reply: answer{status: 422, body: `{"description":"Validation failed"}`},
			want:  `freshdesk: reply to ticket 4711: HTTP 422 Unprocessable Entity: {"description":"Validation failed"}`,
		},
		{
			name:      "429 rate limited",
			reply:     answer{status: 429, header: map[string]string{"Retry-After": "60"}, body: `{"message":"You have exceeded the limit of requests per hour"}`},
			want:      `freshdesk: reply to ticket 4711: HTTP 429 Too Many Requests (retry after 1m0s): {"message":"You have exceeded the limit of requests per hour"}`,
			retryable: true,
		},
		{
			name:      "500",
			reply:     answer{status: 500, body: `{"code":"internal_error","message":"We're sorry, but something went wrong."}`},
			want:      `freshdesk: reply to ticket 4711: HTTP 500 Internal Server Error: {"code":"internal_error","message":"We're sorry, but something went wrong."}`,
			retryable: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := newFreshdeskAPI()
			api.reply = tc.reply
			err := freshdeskReplier(t, serve(t, api), "").Reply(context.Background(), "4711", ackText)
			checkStatusError(t, err, tc.want, tc.retryable, tc.reply.status)
			api.last(t) // the answer came from the endpoint, not from a refusal of the request
		})
	}
}

func TestFreshdeskCredentialNotInErrors(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte(freshdeskKey + ":X"))
	api := newFreshdeskAPI()
	api.echo = true
	api.reply = answer{status: 401, body: `{"code":"invalid_credentials","authorization":%q,"user":%q,"password":%q}`}
	err := freshdeskReplier(t, serve(t, api), "").Reply(context.Background(), "4711", ackText)
	if err == nil {
		t.Fatal("Reply succeeded")
	}
	for _, secret := range []string{freshdeskKey, basic, freshdeskKey[:10]} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error contains %q: %v", secret, err)
		}
	}
	if want := `"authorization":"Basic [redacted]","user":"[redacted]","password":"X"`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %v\ndoes not contain %s", err, want)
	}
}

func TestFreshdeskRefusesNonNumericID(t *testing.T) {
	api := newFreshdeskAPI()
	r := freshdeskReplier(t, serve(t, api), "")
	for _, id := range badIDs {
		err := r.Reply(context.Background(), id, ackText)
		if err == nil || !strings.HasPrefix(err.Error(), "freshdesk: reply to ticket: ticket id ") || !strings.HasSuffix(err.Error(), " is not numeric") {
			t.Errorf("Reply(%q) error = %v, want a not-numeric error", id, err)
		}
	}
	if n := api.requests.Load(); n != 0 {
		t.Errorf("%d requests made for non-numeric ids, want 0", n)
	}
}
