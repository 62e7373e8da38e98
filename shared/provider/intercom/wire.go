package intercom

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"time"

	"github.com/slawatch/slawatch/shared/provider"
)

// envelope is the notification wrapper around every webhook.
type envelope struct {
	Type      string        `json:"type"`
	ID        provider.Text `json:"id"`
	Topic     string        `json:"topic"`
	AppID     string        `json:"app_id"`
	CreatedAt stamp         `json:"created_at"`
	Data      struct {
		Type string `json:"type"`
		Item item   `json:"item"`
	} `json:"data"`
}

// item is a conversation or a ticket; the fields of both are decoded into
// one struct because the topic, not the item, says which it is.
type item struct {
	Type      string        `json:"type"`
	ID        provider.Text `json:"id"`
	CreatedAt stamp         `json:"created_at"`
	UpdatedAt stamp         `json:"updated_at"`

	// Conversations.
	Priority          string  `json:"priority"`
	Source            *source `json:"source"`
	Tags              *tags   `json:"tags"`
	ConversationParts struct {
		Parts []part `json:"conversation_parts"`
	} `json:"conversation_parts"`

	// Tickets. ticket_state is a string in API 2.9–2.10 and an object with
	// a category in later versions.
	Category    string          `json:"category"`
	TicketState json.RawMessage `json:"ticket_state"`
	TicketType  *struct {
		Category string `json:"category"`
	} `json:"ticket_type"`
	TicketParts struct {
		Parts []part `json:"ticket_parts"`
	} `json:"ticket_parts"`

	// The customer. company_id is the company the conversation is
	// associated with (API versions that have it); the webhook carries
	// no company name, and of the contacts only ids. user is the
	// customer in the old (1.x) API's payloads.
	CompanyID provider.Text `json:"company_id"`
	User      *struct {
		Email string `json:"email"`
	} `json:"user"`

	// Intercom's ticket reply, note and state topics do not send the
	// ticket as the item: they wrap it, with the part that triggered the
	// notification beside it (data.item.ticket, data.item.ticket_part).
	Ticket     *item `json:"ticket"`
	TicketPart *part `json:"ticket_part"`
}

// source is the conversation's first message and the channel it came in on.
type source struct {
	Type   string `json:"type"`
	Body   string `json:"body"`
	Author author `json:"author"`
}

type tags struct {
	Tags []struct {
		Name string `json:"name"`
	} `json:"tags"`
}

// part is one conversation or ticket part: a message, note or action.
type part struct {
	ID        provider.Text `json:"id"`
	PartType  string        `json:"part_type"`
	Body      string        `json:"body"`
	CreatedAt stamp         `json:"created_at"`
	Author    author        `json:"author"`
}

type author struct {
	Type  string        `json:"type"`
	ID    provider.Text `json:"id"`
	Email string        `json:"email"` // only its domain is kept
	// Fin, Intercom's AI agent, writes as a bot but is flagged here too in
	// newer API versions.
	FromAIAgent bool `json:"from_ai_agent"`
	IsAIAnswer  bool `json:"is_ai_answer"`
}

// stamp is an Intercom timestamp as sent: Unix seconds as a JSON number or
// a string, validated when used so that the error names the field
// (encoding/json's Number refuses a non-numeric string without saying
// where).
type stamp string

func (v *stamp) UnmarshalJSON(b []byte) error {
	s, err := scalar(b, reflect.TypeFor[int64]())
	*v = stamp(s)
	return err
}

// scalar returns the text of a JSON string or number; null is "". Other
// values are an *json.UnmarshalTypeError, to which encoding/json adds the
// field path that DecodeJSON reports.
func scalar(b []byte, want reflect.Type) (string, error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
	case bytes.Equal(b, []byte("null")):
		return "", nil
	case b[0] == '"':
		var s string
		err := json.Unmarshal(b, &s)
		return s, err
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		return string(b), nil // the decoder has already checked the syntax
	}
	value := "value"
	if len(b) > 0 {
		switch b[0] {
		case '{':
			value = "object"
		case '[':
			value = "array"
		case 't', 'f':
			value = "bool"
		}
	}
	return "", &json.UnmarshalTypeError{Value: value, Type: want}
}

// maxUnix is the first second of the year 10000: later times cannot be
// written as RFC 3339, so the store could not save the event.
const maxUnix = 253402300800

// unixSeconds reads an Intercom timestamp (Unix seconds, as a JSON number
// or a string of digits).
func unixSeconds(field string, v stamp) (time.Time, error) {
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || n <= 0 || n >= maxUnix {
		return time.Time{}, provider.Errorf(field, "%q is not a Unix time in seconds", string(v))
	}
	return time.Unix(n, 0).UTC(), nil
}
