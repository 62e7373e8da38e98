package helpscout

import "github.com/slawatch/slawatch/shared/provider"

// conversation is the v2 conversation object Help Scout posts, with the
// fields slawatch reads.
type conversation struct {
	ID            provider.Text `json:"id"`
	Number        provider.Text `json:"number"`
	Type          string        `json:"type"`   // email, chat, phone
	Status        string        `json:"status"` // active, pending, closed, spam
	State         string        `json:"state"`  // published, draft, deleted
	CreatedAt     string        `json:"createdAt"`
	ClosedAt      string        `json:"closedAt"`
	UserUpdatedAt string        `json:"userUpdatedAt"`
	CreatedBy     person        `json:"createdBy"`
	Source        struct {
		Type string `json:"type"`
		Via  string `json:"via"` // customer or user
	} `json:"source"`
	Tags []tag `json:"tags"`
	// PrimaryCustomer is the customer the conversation is with; of its
	// address only the domain is kept. Help Scout sends no company.
	PrimaryCustomer struct {
		Email string `json:"email"`
	} `json:"primaryCustomer"`
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
	ID        provider.Text `json:"id"`
	Type      string        `json:"type"`   // customer, message, note, lineitem, chat, phone, …
	Status    string        `json:"status"` // the status this thread set, or nochange
	State     string        `json:"state"`  // published, draft, underreview, hidden
	Body      string        `json:"body"`
	CreatedAt string        `json:"createdAt"`
	CreatedBy person        `json:"createdBy"`
	Source    struct {
		Type string `json:"type"`
	} `json:"source"`
}

type person struct {
	ID   provider.Text `json:"id"`
	Type string        `json:"type"` // user or customer
}
