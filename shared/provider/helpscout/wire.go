package helpscout

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// conversation is the v2 conversation object Help Scout posts, with the
// fields slawatch reads.
type conversation struct {
	ID            ident  `json:"id"`
	Number        ident  `json:"number"`
	Type          string `json:"type"`   // email, chat, phone
	Status        string `json:"status"` // active, pending, closed, spam
	State         string `json:"state"`  // published, draft, deleted
	CreatedAt     string `json:"createdAt"`
	ClosedAt      string `json:"closedAt"`
	UserUpdatedAt string `json:"userUpdatedAt"`
	CreatedBy     person `json:"createdBy"`
	Source        struct {
		Type string `json:"type"`
		Via  string `json:"via"` // customer or user
	} `json:"source"`
	Tags     []tag `json:"tags"`
	Embedded struct {
		Threads []thread `json:"threads"`
	} `json:"_embedded"`
}

type tag struct {
	Tag  string `json:"tag"`
	Name string `json:"name"` // older payloads
}

// thread is one message, note, line item or call log in a conversation.
type thread struct {
	ID        ident  `json:"id"`
	Type      string `json:"type"`   // customer, message, note, lineitem, chat, phone, …
	Status    string `json:"status"` // the status this thread set, or nochange
	State     string `json:"state"`  // published, draft, underreview, hidden
	Body      string `json:"body"`
	CreatedAt string `json:"createdAt"`
	CreatedBy person `json:"createdBy"`
	Source    struct {
		Type string `json:"type"`
	} `json:"source"`
}

type person struct {
	ID   ident  `json:"id"`
	Type string `json:"type"` // user or customer
}

// ident is a Help Scout id: a JSON number (or, leniently, a string); null
// means absent.
type ident string

func (i *ident) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		err := json.Unmarshal(b, &s)
		*i = ident(s)
		return err
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*i = ident(b) // the decoder has already checked the syntax
		return nil
	}
	// An UnmarshalTypeError makes encoding/json add the field path, which
	// DecodeJSON reports as the ParseError's field.
	return &json.UnmarshalTypeError{Value: "non-id value", Type: reflect.TypeFor[int64]()}
}
