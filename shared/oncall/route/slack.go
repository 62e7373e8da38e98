package route

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/slawatch/slawatch/shared/oncall"
	"github.com/slawatch/slawatch/shared/oncall/slack"
	"github.com/slawatch/slawatch/shared/policy"
	"github.com/slawatch/slawatch/shared/store"
)

// SlackStore keeps the Slack message of each incident as a store document,
// so that every function and process edits the same message.
type SlackStore struct{ Docs store.Docs }

var _ slack.MessageStore = SlackStore{}

func decodeRecord(d store.Doc) (slack.Record, error) {
	var r slack.Record
	if err := json.Unmarshal(d.Data, &r); err != nil {
		return slack.Record{}, fmt.Errorf("route: slack record: %w", err)
	}
	r.Version = d.Version
	return r, nil
}

func (s SlackStore) Get(ctx context.Context, key string) (slack.Record, bool, error) {
	d, ok, err := s.Docs.GetDoc(ctx, "slack/"+key)
	if err != nil || !ok {
		return slack.Record{}, false, err
	}
	r, err := decodeRecord(d)
	return r, err == nil, err
}

func (s SlackStore) PutIfAbsent(ctx context.Context, key string, rec slack.Record) (slack.Record, bool, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return slack.Record{}, false, fmt.Errorf("route: slack record: %w", err)
	}
	d, stored, err := s.Docs.PutDocIfAbsent(ctx, "slack/"+key, b)
	if err != nil {
		return slack.Record{}, false, err
	}
	r, err := decodeRecord(d)
	return r, stored, err
}

func (s SlackStore) Replace(ctx context.Context, key string, old, rec slack.Record) (bool, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return false, fmt.Errorf("route: slack record: %w", err)
	}
	return s.Docs.ReplaceDoc(ctx, "slack/"+key, old.Version, b)
}

// Slack returns the builder of Slack destinations: an app's bot token
// posts one message per incident into the destination's channel and edits
// it (its records kept in docs); an incoming webhook posts each alert.
// apiBase replaces Slack's Web API address ("" for the real one).
func Slack(docs store.Docs, client *http.Client, now func() time.Time, apiBase string) Builder {
	return func(dst policy.Destination, secret func(string) (string, bool)) (oncall.Sender, error) {
		if dst.Env["webhook_url_env"] != "" {
			u, err := credential(dst, secret, "webhook_url_env")
			return &slack.WebhookSender{URL: u, Client: client}, err
		}
		token, err := credential(dst, secret, "bot_token_env")
		if err != nil {
			return nil, err
		}
		channel := dst.Channel
		return &slack.Sender{Token: token, Channel: func(string) string { return channel }, Store: SlackStore{Docs: docs},
			APIBase: apiBase, Client: client, Now: now}, nil
	}
}

// SlackAcks shows an acknowledgement made with a Slack message's button on
// that message at once, through the sender of the message's team; a
// message it cannot redraw (posted by an incoming webhook, or before its
// record kept its alert) shows it at its next edit.
type SlackAcks struct {
	Router *Router
	Store  slack.MessageStore
}

// Acknowledged records a on the incident's message and redraws it.
func (s SlackAcks) Acknowledged(ctx context.Context, key string, a slack.Ack) error {
	rec, ok, err := s.Store.Get(ctx, key)
	if err != nil || !ok {
		return err
	}
	if rec.Doc != nil {
		snd, found, err := s.Router.Sender("slack", *rec.Doc)
		if err != nil {
			return err
		}
		if app, isApp := snd.(*slack.Sender); found && isApp {
			return app.Acknowledged(ctx, key, a)
		}
	}
	_, err = slack.SetAck(ctx, s.Store, key, a)
	return err
}
