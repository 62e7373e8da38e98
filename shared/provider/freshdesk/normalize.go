package freshdesk

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// tagList reads {{ticket.tags}}, which Freshdesk renders as the tag names
// joined by ", " (tags may contain spaces, so only commas separate), or a
// JSON array. Absent or null stays nil ("unchanged"); an empty rendering is
// the empty set.
type tagList []string

func (t *tagList) UnmarshalJSON(b []byte) error {
	var parts []string
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		parts = strings.Split(s, ",")
	case len(b) > 0 && b[0] == '[':
		var raw []json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		for _, r := range raw {
			var s string
			if err := json.Unmarshal(r, &s); err != nil {
				return &json.UnmarshalTypeError{Value: "array of " + provider.JSONKind(r), Type: reflect.TypeFor[[]string]()}
			}
			parts = append(parts, s)
		}
	default:
		return &json.UnmarshalTypeError{Value: provider.JSONKind(b), Type: reflect.TypeFor[[]string]()}
	}
	out := tagList{}
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	*t = out
	return nil
}

// key folds a code or name for lookup: "Waiting on Customer" becomes
// "waiting_on_customer", "Outbound Email" "outbound_email".
func key(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("-", "_", " ", "_").Replace(s)
	return strings.Trim(s, "_")
}

// status maps Freshdesk's status codes and names: 2 Open, 3 Pending,
// 4 Resolved, 5 Closed. Codes from 6 up are account-defined custom
// statuses whose numbering differs per account, so only their names are
// recognised, and only the two that Freshdesk suggests by default (waiting
// on the customer, waiting on a third party); any other custom status is
// "" — unknown — rather than a guess.
func status(s string) event.Status {
	switch key(s) {
	case "2", "open":
		return event.Open
	case "3", "pending", "waiting_on_customer":
		return event.Pending
	case "4", "resolved":
		return event.Solved
	case "5", "closed":
		return event.Closed
	case "waiting_on_third_party":
		return event.OnHold
	}
	return ""
}

// priority maps 1 Low, 2 Medium, 3 High, 4 Urgent; Medium is slawatch's
// normal.
func priority(s string) event.Priority {
	switch key(s) {
	case "1", "low":
		return event.Low
	case "2", "medium", "normal":
		return event.Normal
	case "3", "high":
		return event.High
	case "4", "urgent":
		return event.Urgent
	}
	return ""
}

// source maps the ticket source: 1 Email, 2 Portal, 3 Phone, 7 Chat,
// 9 Feedback widget, 10 Outbound email (an email an agent started: the
// ticket is agent-created). Social sources are recognised by name only,
// their codes not being documented.
func source(s string) (ch event.Channel, outbound bool) {
	switch key(s) {
	case "1", "email":
		return event.Email, false
	case "2", "portal":
		return event.Web, false
	case "3", "phone":
		return event.Phone, false
	case "7", "chat":
		return event.Chat, false
	case "9", "feedback_widget", "feedback":
		return event.Web, false
	case "10", "outbound_email":
		return event.Email, true
	case "twitter", "facebook", "instagram":
		return event.Social, false
	case "whatsapp", "line", "apple_business_chat", "apple_messages_for_business":
		return event.Messaging, false
	case "sms":
		return event.SMS, false
	}
	return "", false
}

// timeLayouts are the renderings of {{ticket.modified_on}}: a Rails time
// prints as "2026-11-23 09:05:12 UTC", or with a numeric offset in the
// account's zone; RFC 3339 is accepted too. A zone abbreviation other than
// UTC is refused rather than guessed.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 UTC",
	"2006-01-02 15:04:05 GMT",
	"2006-01-02 15:04:05Z07:00",
	time.RFC1123Z,
}

func parseTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, provider.Errorf(field, "required: render {{ticket.modified_on}} here (see docs/helpdesks/freshdesk.md)")
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, provider.Errorf(field, "%q is not a time with a zone (want e.g. 2026-11-23 09:05:12 UTC)", s)
}
