package zendesk

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// flexBool reads true/false, or the strings "true"/"false" that a
// placeholder or a quoted literal renders. Set reports whether a value was
// given at all.
type flexBool struct{ Set, Value bool }

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		return nil
	case string(b) == "true" || string(b) == "false":
		*f = flexBool{Set: true, Value: string(b) == "true"}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if strings.TrimSpace(s) == "" {
			return nil
		}
		v, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(s), Type: reflect.TypeFor[bool]()}
		}
		*f = flexBool{Set: true, Value: v}
		return nil
	}
	return &json.UnmarshalTypeError{Value: provider.JSONKind(b), Type: reflect.TypeFor[bool]()}
}

// tagList reads tags as a JSON array of strings (event subscriptions) or
// as the space-separated string {{ticket.tags}} renders (Zendesk tags
// cannot contain spaces). Absent or null stays nil, meaning "unchanged";
// present but empty is the empty set.
type tagList []string

func (t *tagList) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = append(tagList{}, strings.Fields(s)...)
		return nil
	case len(b) > 0 && b[0] == '[':
		var raw []json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		out := tagList{}
		for _, r := range raw {
			var s string
			if err := json.Unmarshal(r, &s); err != nil {
				return &json.UnmarshalTypeError{Value: "array of " + provider.JSONKind(r), Type: reflect.TypeFor[[]string]()}
			}
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		*t = out
		return nil
	}
	return &json.UnmarshalTypeError{Value: provider.JSONKind(b), Type: reflect.TypeFor[[]string]()}
}

// key folds a vendor value for lookup: "On-hold", "ON_HOLD" and "on hold"
// all become "on_hold"; "Phone call (incoming)" becomes
// "phone_call_incoming".
func key(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("(", "", ")", "", "-", "_", " ", "_").Replace(s)
	return strings.Trim(s, "_")
}

// status maps a Zendesk status in any case (OPEN, Open, open) onto the
// canonical one; "" when unknown.
func status(s string) event.Status {
	switch key(s) {
	case "new":
		return event.New
	case "open":
		return event.Open
	case "pending":
		return event.Pending
	case "hold", "on_hold", "onhold":
		return event.OnHold
	case "solved":
		return event.Solved
	case "closed":
		return event.Closed
	}
	return ""
}

// priority maps low/normal/high/urgent in any case; "" when none or
// unknown.
func priority(s string) event.Priority {
	p, ok := event.ParsePriority(key(s))
	if !ok {
		return ""
	}
	return p
}

// priorityCleared reports a value that means "no priority" ("-" is what
// {{ticket.priority}} renders for none).
func priorityCleared(s string) bool {
	switch key(s) {
	case "", "none", "null":
		return true
	}
	return strings.TrimSpace(s) == "-"
}

// channel maps Zendesk's via.channel (or the {{ticket.via}} rendering of
// it) onto a canonical channel; "" when it says nothing about the medium
// (closed_ticket follow-ups, rules, linked problems, …).
func channel(via string) event.Channel {
	k := key(via)
	switch k {
	case "web_form", "web", "help_center", "web_widget", "portal":
		return event.Web
	case "mail", "email":
		return event.Email
	case "chat", "chat_transcript", "zopim_chat":
		return event.Chat
	case "native_messaging", "messaging", "whatsapp", "line", "wechat", "telegram", "viber", "kakaotalk",
		"apple_business_chat", "apple_messages_for_business", "google_business_messages", "google_rcs", "mobile_sdk", "sdk":
		return event.Messaging
	case "twitter", "twitter_dm", "twitter_favorite", "x", "x_corp", "facebook", "facebook_post", "facebook_message",
		"instagram", "instagram_dm":
		return event.Social
	case "sms", "text":
		return event.SMS
	case "api", "web_service", "webservice":
		return event.API
	}
	switch {
	case strings.HasPrefix(k, "phone"), strings.HasPrefix(k, "voice"):
		return event.Phone
	case strings.HasPrefix(k, "sunshine_conversations"), strings.HasPrefix(k, "any_channel_messaging"):
		return event.Messaging
	}
	return ""
}

// timeLayouts are the renderings of a Zendesk time: RFC 3339 in event
// payloads and headers, and the minute-precision ISO 8601 that
// {{ticket.updated_at_with_timestamp}} is documented to render
// ("2013-12-12T05:35Z").
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z0700",
}

// parseTime reads a time in any of timeLayouts, as UTC.
func parseTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, provider.Missing(field)
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, provider.Errorf(field, "%q is not an ISO 8601 time with a zone", s)
}

// systemUserID is the id Zendesk gives comments and changes made by
// Zendesk itself rather than by a person (*unconfirmed* for webhook
// payloads; a human agent never has it, so treating it as a bot is safe).
const systemUserID = "-1"
