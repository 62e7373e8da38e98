package front

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slawatch/slawatch/shared/event"
	"github.com/slawatch/slawatch/shared/provider"
)

// envelope is an application webhook body. Payload stays raw so that its
// decoding errors can be reported with the "payload." prefix by decodeAt.
type envelope struct {
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload"`
}

// rawEvent is Front's event object. Only the type is decoded eagerly: the
// shape of target and conversation depends on the type, and an event
// slawatch does not track must be ignored (202), not refused for a shape
// this adapter never needed.
type rawEvent struct {
	ID           string          `json:"id"`
	Type         string          `json:"type"`
	EmittedAt    json.RawMessage `json:"emitted_at"` // a number; parsed by hand so errors name it
	Source       json.RawMessage `json:"source"`
	Target       json.RawMessage `json:"target"`
	Conversation json.RawMessage `json:"conversation"`
}

type source struct {
	Meta struct {
		Type string `json:"type"`
	} `json:"_meta"`
}

type target struct {
	Meta struct {
		Type string `json:"type"`
	} `json:"_meta"`
	Data json.RawMessage `json:"data"`
}

// message is a target of type "message" (also decodes a comment's author
// and body).
type message struct {
	ID     string          `json:"id"`
	Type   string          `json:"type"`
	Author json.RawMessage `json:"author"` // absent, null, or a teammate
	Body   string          `json:"body"`
	Text   string          `json:"text"`
}

type teammate struct {
	ID string `json:"id"`
}

type tag struct {
	Name string `json:"name"`
}

type conversation struct {
	ID   string `json:"id"`
	Tags []tag  `json:"tags"`
	// Recipient is the conversation's main contact, the customer: of an
	// e-mail handle only the domain is kept. (The contact's account, the
	// company, is only a link here; finding it needs an API call.)
	Recipient struct {
		Handle string `json:"handle"`
	} `json:"recipient"`
}

// statuses maps conversation lifecycle events onto canonical statuses.
var statuses = map[string]event.Status{
	"archive": event.Solved,
	"reopen":  event.Open,
	"trash":   event.Closed,
	"restore": event.Open,
}

// messageTypes are the event types whose target is a message or comment.
var messageTypes = []string{"inbound", "out_reply", "outbound", "comment"}

// botSources are event sources that are not a person acting in Front: a
// message sent by a rule, through the API or by an OAuth app (bots and AI
// agents connect that way) never counts as a response. A macro is applied by
// a teammate, who chose to send the reply, so it is not listed.
var botSources = []string{"rule", "api", "oauth_client"}

// Parse returns the events a Front webhook carries, or the reply to a
// validation challenge.
func (Adapter) Parse(r provider.Request, s provider.Settings) (provider.Result, error) {
	if c := r.Header.Get(ChallengeHeader); c != "" {
		return challengeReply(c), nil
	}
	body, prefix := r.Body, ""
	if isApplication(r.Header) {
		var env envelope
		if err := provider.DecodeJSON(r.Body, &env, false); err != nil {
			return provider.Result{}, err
		}
		if env.Type == "sync" {
			return provider.Ignore("front sync request without an %s header", ChallengeHeader), nil
		}
		if isNull(env.Payload) {
			return provider.Result{}, provider.Missing("payload")
		}
		body, prefix = env.Payload, "payload."
	}
	var raw rawEvent
	if err := decodeAt(body, prefix, &raw); err != nil {
		return provider.Result{}, err
	}
	e, ignored, err := parseEvent(raw, prefix, s)
	if err != nil || ignored != "" {
		return provider.Result{Ignored: ignored}, err
	}
	return provider.Result{Events: []event.Event{e}}, nil
}

// challengeReply answers the validation request Front sends when an
// application webhook is saved: the challenge echoed in a JSON body (the
// form Front's sample application uses) and, for good measure, in the
// header it came in.
func challengeReply(challenge string) provider.Result {
	b, _ := json.Marshal(map[string]string{"challenge": challenge}) // a map of strings always marshals
	h := http.Header{}
	h.Set(ChallengeHeader, challenge)
	return provider.Result{Reply: &provider.Reply{Status: http.StatusOK, ContentType: "application/json", Header: h, Body: b}}
}

func parseEvent(raw rawEvent, prefix string, s provider.Settings) (event.Event, string, error) {
	var none event.Event
	if raw.Type == "" {
		return none, "", provider.Missing(prefix + "type")
	}
	if _, isStatus := statuses[raw.Type]; !isStatus && !slices.Contains(messageTypes, raw.Type) && raw.Type != "tag" && raw.Type != "untag" {
		return none, "front event " + strconv.Quote(raw.Type) + " is not tracked", nil
	}
	if raw.ID == "" {
		return none, "", provider.Missing(prefix + "id")
	}
	at, err := unixSeconds(prefix+"emitted_at", raw.EmittedAt)
	if err != nil {
		return none, "", err
	}
	if isNull(raw.Conversation) {
		return none, "", provider.Missing(prefix + "conversation")
	}
	var conv conversation
	if err := decodeAt(raw.Conversation, prefix+"conversation.", &conv); err != nil {
		return none, "", err
	}
	if conv.ID == "" {
		return none, "", provider.Missing(prefix + "conversation.id")
	}
	var src source
	if !isNull(raw.Source) {
		if err := decodeAt(raw.Source, prefix+"source.", &src); err != nil {
			return none, "", err
		}
	}
	botSource := slices.Contains(botSources, src.Meta.Type)

	e := event.Event{Source: s.Source, TicketID: conv.ID, ID: raw.ID, OccurredAt: at, Tags: tagNames(conv.Tags)}
	provider.SetCustomer(&e, "", "", conv.Recipient.Handle)
	if st, ok := statuses[raw.Type]; ok {
		e.Kind, e.Status = event.StatusChanged, st
		return e, "", nil
	}
	if raw.Type == "tag" || raw.Type == "untag" {
		return tagsChanged(e, raw, prefix, conv)
	}

	// A message or a comment.
	var tg target
	if !isNull(raw.Target) {
		if err := decodeAt(raw.Target, prefix+"target.", &tg); err != nil {
			return none, "", err
		}
	}
	if isNull(tg.Data) {
		return none, "", provider.Missing(prefix + "target.data")
	}
	var m message
	if err := decodeAt(tg.Data, prefix+"target.data.", &m); err != nil {
		return none, "", err
	}
	authorID, noAuthor, err := author(m.Author, prefix+"target.data.author.")
	if err != nil {
		return none, "", err
	}
	// No author (null) means Front itself sent it: a rule, an auto-reply or
	// an integration. An absent author (a trimmed payload) is not evidence
	// either way and falls back to the event type's usual author.
	bot := botSource || noAuthor
	role := event.Agent
	if bot {
		role = event.Bot
	}
	e.Acknowledgement = provider.IsAck(s, authorID, m.Body) || provider.IsAck(s, authorID, m.Text)

	switch raw.Type {
	case "inbound":
		e.Kind, e.Author, e.Channel = event.CustomerMessage, event.Customer, channel(m.Type)
		e.Acknowledgement = false // a customer's message is never slawatch's own
	case "out_reply":
		e.Kind, e.Author, e.Public, e.Channel = event.AgentReply, role, true, channel(m.Type)
	case "outbound":
		if bot {
			// A rule or integration starting a conversation is not a
			// ticket anyone waits on; the customer's answer, if any,
			// starts the first-response clock.
			return none, "front outbound message sent by a rule or integration is not tracked", nil
		}
		e.Kind, e.Author, e.Public, e.Channel = event.TicketCreated, event.Agent, true, channel(m.Type)
	case "comment":
		e.Kind, e.Author = event.InternalNote, role
	}
	return e, "", nil
}

// tagsChanged builds a tags_changed event from the conversation's tags,
// applying the tag the event names in case the conversation snapshot was
// taken before the change (Front does not document which).
func tagsChanged(e event.Event, raw rawEvent, prefix string, conv conversation) (event.Event, string, error) {
	if conv.Tags == nil {
		return event.Event{}, "", provider.Missing(prefix + "conversation.tags")
	}
	e.Kind = event.TagsChanged
	var tg target
	if !isNull(raw.Target) {
		if err := decodeAt(raw.Target, prefix+"target.", &tg); err != nil {
			return event.Event{}, "", err
		}
	}
	var t tag
	// The target of a tag event is one tag; anything else leaves the
	// snapshot as it is.
	if !isNull(tg.Data) && bytes.HasPrefix(bytes.TrimSpace(tg.Data), []byte("{")) {
		if err := decodeAt(tg.Data, prefix+"target.data.", &t); err != nil {
			return event.Event{}, "", err
		}
	}
	if t.Name != "" {
		has := slices.Contains(e.Tags, t.Name)
		switch {
		case raw.Type == "tag" && !has:
			e.Tags = append(e.Tags, t.Name)
		case raw.Type == "untag" && has:
			e.Tags = slices.DeleteFunc(e.Tags, func(n string) bool { return n == t.Name })
		}
	}
	return e, "", nil
}

// author reads a message's author: the teammate's id, and whether the
// author is explicitly null. An absent field is neither.
func author(raw json.RawMessage, prefix string) (id string, null bool, err error) {
	if len(raw) == 0 {
		return "", false, nil
	}
	if isNull(raw) {
		return "", true, nil
	}
	var t teammate
	if err := decodeAt(raw, prefix, &t); err != nil {
		return "", false, err
	}
	return t.ID, false, nil
}

// tagNames returns the names of the tags, nil when the conversation carried
// no tags field (unknown), an empty slice when it carried none.
func tagNames(tags []tag) []string {
	if tags == nil {
		return nil
	}
	names := make([]string, 0, len(tags))
	for _, t := range tags {
		if t.Name != "" && !slices.Contains(names, t.Name) {
			names = append(names, t.Name)
		}
	}
	return names
}

// channel maps Front's message type onto a canonical channel; an unknown type
// leaves the channel unset rather than guessing.
func channel(messageType string) event.Channel {
	switch strings.ToLower(messageType) {
	case "email":
		return event.Email
	case "sms":
		return event.SMS
	case "whatsapp", "yalo_wha", "smooch":
		return event.Messaging
	case "front_chat", "intercom":
		return event.Chat
	case "facebook", "tweet", "tweet_dm", "instagram", "googleplay":
		return event.Social
	case "call", "phone-call", "truly-call":
		return event.Phone
	case "custom":
		// Custom channels are fed through Front's API by an integration.
		return event.API
	}
	return ""
}

// maxUnixSeconds is 9999-12-31T23:59:59Z; later "times" are garbage.
const maxUnixSeconds = 253402300799

// unixSeconds reads Front's emitted_at, Unix seconds with a fraction
// (1518309342.896), as a JSON number or a string of one. The decimal digits
// are read exactly, so that a millisecond time is not turned into ...895999
// by float rounding.
func unixSeconds(field string, raw json.RawMessage) (time.Time, error) {
	if isNull(raw) {
		return time.Time{}, provider.Missing(field)
	}
	s := string(bytes.TrimSpace(raw))
	bad := provider.Errorf(field, "%s is not a Unix time in seconds", s)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, bad
		}
	}
	if s == "" || strings.ContainsAny(s, "+- \t\n") {
		return time.Time{}, bad
	}
	if strings.ContainsAny(s, "eE") {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || !(f > 0 && f <= maxUnixSeconds) {
			return time.Time{}, bad
		}
		sec := math.Floor(f)
		return time.Unix(int64(sec), int64(math.Round((f-sec)*1e6))*1e3).UTC(), nil
	}
	whole, frac, _ := strings.Cut(s, ".")
	sec, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || sec < 0 || sec > maxUnixSeconds {
		return time.Time{}, bad
	}
	var nsec int64
	if frac != "" {
		if len(frac) > 9 {
			frac = frac[:9]
		}
		if nsec, err = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64); err != nil || nsec < 0 {
			return time.Time{}, bad
		}
	}
	if sec == 0 && nsec == 0 {
		return time.Time{}, bad
	}
	return time.Unix(sec, nsec).UTC(), nil
}

// decodeAt decodes a part of the body and names fields in its errors by
// their path from the top of the body.
func decodeAt(raw json.RawMessage, prefix string, v any) error {
	err := provider.DecodeJSON(raw, v, false)
	var pe *provider.ParseError
	if err == nil || prefix == "" || !errors.As(err, &pe) {
		return err
	}
	switch pe.Field {
	case "", "(body)":
		pe.Field = strings.TrimSuffix(prefix, ".")
	default:
		pe.Field = prefix + pe.Field
	}
	return pe
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}
