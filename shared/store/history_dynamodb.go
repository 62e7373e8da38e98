package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slawatch/slawatch/shared/calendar"
	"github.com/slawatch/slawatch/shared/history"
)

// History items; docs/data-model.md explains them. Every key starts with
// "H#", which no ticket ("T#"), event ("E#") or queue ("Q#") key does.
const (
	recordPrefix    = "H#R#" // + record id; sk skRecord
	aggregatePrefix = "H#A#" // + YYYY-MM; sk <YYYY-MM-DD>#<group>
	breachPrefix    = "H#B#" // + YYYY-MM; sk <ended>#<record id>
	skRecord        = "RECORD"
	attrRecord      = "record"
	attrGroup       = "group"

	// endedLayout orders breach sort keys by time: fixed width, UTC.
	endedLayout = "2006-01-02T15:04:05.000000000Z"
)

var _ History = (*DynamoDB)(nil)

type recordItem struct {
	PK      string `dynamodbav:"pk"`
	SK      string `dynamodbav:"sk"`
	Version int64  `dynamodbav:"version,omitempty"`
	Record  string `dynamodbav:"record"`     // the history.Record as JSON
	Expires int64  `dynamodbav:"expires_at"` // Unix seconds, for TTL
}

func recordPK(r history.Record) string { return recordPrefix + r.ID() }

func month(d calendar.Date) string { return d.String()[:7] }

// aggregateKey is a day aggregate's key: the month partition, so that a
// report's range is one Query per month, and within it the date then the
// group. Group fields are query-escaped so that '#' separates them
// unambiguously.
func aggregateKey(d calendar.Date, g history.Group) (pk, sk string) {
	esc := url.QueryEscape
	return aggregatePrefix + month(d), d.String() + "#" + strings.Join([]string{esc(g.Source), esc(g.Policy), esc(g.Team),
		esc(string(g.Channel)), esc(string(g.Priority)), esc(g.Metric)}, "#")
}

func breachKey(r history.Record) (pk, sk string) {
	return breachPrefix + month(history.DateOf(r)), r.Ended.UTC().Format(endedLayout) + "#" + r.ID()
}

// drilled reports whether r has a breach drill-down item.
func drilled(r history.Record) bool { return r.Outcome == history.Breached && r.SLA() }

func keyAV(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: &types.AttributeValueMemberS{Value: pk}, attrSK: &types.AttributeValueMemberS{Value: sk}}
}

// Record writes a new clock with one TransactWriteItems: the record, put on
// condition that it does not exist, the ADD of its counts to its day's
// aggregate, and for an SLA breach its drill-down item. If the record exists
// (the condition fails and returns it), an identical one ends there; a
// different version is a second transaction: the record put on condition
// that its version is still the one read, the old counts taken out of the
// aggregate and the new ones added (one update when the aggregate is the
// same), and the breach item moved. ADD is atomic and each transaction is
// all-or-nothing, so racing writers neither lose nor double counts: the
// loser of a race on the record fails its condition and re-reads; one on an
// aggregate is cancelled as a TransactionConflict and retries.
func (d *DynamoDB) Record(ctx context.Context, r history.Record) (bool, error) {
	c, err := d.RecordChange(ctx, r)
	return c != Unchanged, err
}

func (d *DynamoDB) RecordChange(ctx context.Context, r history.Record) (Change, error) {
	r, exp, err := retained(r, d.HistoryRetention, d.now())
	if err != nil {
		return Unchanged, err
	}
	body, err := json.Marshal(r)
	if err != nil {
		return Unchanged, fmt.Errorf("store: encode record %s: %w", r.ID(), err)
	}
	var old *recordItem // the stored version once known
	for attempt := 0; attempt < maxAttempts; attempt++ {
		var prev *history.Record
		if old != nil {
			if old.Record == string(body) {
				return Unchanged, nil
			}
			var p history.Record
			if err := json.Unmarshal([]byte(old.Record), &p); err != nil {
				return Unchanged, fmt.Errorf("store: decode record %s: %w", r.ID(), err)
			}
			if r.Revision < p.Revision {
				return Unchanged, nil // stale: a newer version is stored
			}
			prev = &p
		}
		items, err := d.recordWrites(r, string(body), exp.Unix(), old, prev)
		if err != nil {
			return Unchanged, err
		}
		_, err = d.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			if old != nil {
				return Revised, nil
			}
			return Added, nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return Unchanged, fmt.Errorf("store: record %s: %w", r.ID(), err)
		}
		reasons := canceled.CancellationReasons
		switch {
		case len(reasons) > 0 && aws.ToString(reasons[0].Code) == "ConditionalCheckFailed":
			// Another version is stored (or it changed since we read it):
			// take it from the cancellation, or read it, and go again.
			if old, err = d.storedRecord(ctx, r, reasons[0].Item); err != nil {
				return Unchanged, err
			}
			continue
		case hasCode(reasons, "TransactionConflict"):
		default:
			return Unchanged, fmt.Errorf("store: record %s: %w", r.ID(), err)
		}
		if err := sleep(ctx, attempt); err != nil {
			return Unchanged, err
		}
	}
	return Unchanged, fmt.Errorf("store: record %s: %w after %d attempts", r.ID(), ErrConflict, maxAttempts)
}

func hasCode(reasons []types.CancellationReason, code string) bool {
	for _, r := range reasons {
		if aws.ToString(r.Code) == code {
			return true
		}
	}
	return false
}

// storedRecord decodes the stored record from a cancelled transaction's
// item, or reads it when the cancellation did not carry it; nil if none is
// stored (it was never there, or it has just been deleted).
func (d *DynamoDB) storedRecord(ctx context.Context, r history.Record, item map[string]types.AttributeValue) (*recordItem, error) {
	if len(item) == 0 {
		out, err := d.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &d.table, Key: keyAV(recordPK(r), skRecord), ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, fmt.Errorf("store: get record %s: %w", r.ID(), err)
		}
		if len(out.Item) == 0 {
			return nil, nil
		}
		item = out.Item
	}
	var it recordItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return nil, fmt.Errorf("store: unmarshal record %s: %w", r.ID(), err)
	}
	return &it, nil
}

// recordWrites builds the transaction that stores r over old, whose record
// is prev (both nil: none stored).
func (d *DynamoDB) recordWrites(r history.Record, body string, expires int64, old *recordItem, prev *history.Record) ([]types.TransactWriteItem, error) {
	it := recordItem{PK: recordPK(r), SK: skRecord, Version: 1, Record: body, Expires: expires}
	cond := expression.AttributeNotExists(expression.Name(attrPK))
	if old != nil {
		it.Version = old.Version + 1
		cond = expression.Name(attrVersion).Equal(expression.Value(old.Version))
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, fmt.Errorf("store: marshal record %s: %w", r.ID(), err)
	}
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("store: build condition: %w", err)
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: &d.table, Item: item, ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}}

	// The aggregates' deltas: one update per aggregate item, since a
	// transaction may touch an item only once.
	deltas := []history.Day{history.DayOf(r)}
	deltas[0].Add(r)
	if prev != nil {
		if o := history.DayOf(*prev); o.Date == deltas[0].Date && o.Group == deltas[0].Group {
			deltas[0].Remove(*prev)
		} else {
			o.Remove(*prev)
			deltas = append(deltas, o)
		}
	}
	for _, delta := range deltas {
		up, err := d.aggregateUpdate(delta)
		if err != nil {
			return nil, err
		}
		if up != nil {
			items = append(items, types.TransactWriteItem{Update: up})
		}
	}

	// The breach drill-down item follows the record, for SLA breaches only:
	// a broken promise is counted in its day but is no breach to list. A
	// clock's metric is part of its id, so prev and r are of one kind.
	newPK, newSK := breachKey(r)
	if prev != nil && drilled(*prev) {
		if pk, sk := breachKey(*prev); !drilled(r) || pk != newPK || sk != newSK {
			items = append(items, types.TransactWriteItem{Delete: &types.Delete{TableName: &d.table, Key: keyAV(pk, sk)}})
		}
	}
	if drilled(r) {
		b := keyAV(newPK, newSK)
		b[attrRecord] = &types.AttributeValueMemberS{Value: body}
		b[attrExpires] = &types.AttributeValueMemberN{Value: strconv.FormatInt(expires, 10)}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &d.table, Item: b}})
	}
	return items, nil
}

// aggregateUpdate adds delta's counters to its aggregate item; nil when
// every counter is zero (a revision that moves nothing, say a new URL).
func (d *DynamoDB) aggregateUpdate(delta history.Day) (*types.Update, error) {
	group, err := json.Marshal(delta.Group)
	if err != nil {
		return nil, fmt.Errorf("store: encode group: %w", err)
	}
	up := expression.Set(expression.Name(attrGroup), expression.Value(string(group)))
	n := 0
	for name, v := range dayCounters(&delta) {
		if *v != 0 {
			up = up.Add(expression.Name(name), expression.Value(*v))
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	expr, err := expression.NewBuilder().WithUpdate(up).Build()
	if err != nil {
		return nil, fmt.Errorf("store: build aggregate update: %w", err)
	}
	pk, sk := aggregateKey(delta.Date, delta.Group)
	return &types.Update{
		TableName: &d.table, Key: keyAV(pk, sk), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}, nil
}

// months lists the month partitions from through to.
func months(from, to string) []string {
	var out []string
	t, err := time.Parse("2006-01", from)
	if err != nil {
		return nil
	}
	for m := t.Format("2006-01"); m <= to; m = t.Format("2006-01") {
		out = append(out, m)
		t = t.AddDate(0, 1, 0)
	}
	return out
}

// Days queries each month partition the range touches, on the sort key's
// date prefix: one request per month (and per further MB of aggregates),
// whatever the number of clocks.
func (d *DynamoDB) Days(ctx context.Context, from, to calendar.Date) ([]history.Day, error) {
	if compareDates(from, to) > 0 {
		return nil, nil
	}
	var out []history.Day
	// '$' sorts right after '#', so the upper bound takes every group of
	// the last date and nothing of the next.
	lo, hi := from.String(), to.String()+"$"
	for _, m := range months(month(from), month(to)) {
		err := d.query(ctx, aggregatePrefix+m, lo, hi, nil, func(item map[string]types.AttributeValue) (bool, error) {
			day, err := decodeDay(item)
			if err != nil {
				return false, err
			}
			if !day.Empty() {
				out = append(out, day)
			}
			return true, nil
		})
		if err != nil {
			return nil, fmt.Errorf("store: history days %s: %w", m, err)
		}
	}
	// Items come in (date, escaped group) order; sort by the groups' own
	// order, as the memory store does.
	sortDays(out)
	return out, nil
}

func decodeDay(item map[string]types.AttributeValue) (history.Day, error) {
	var day history.Day
	sk, _ := item[attrSK].(*types.AttributeValueMemberS)
	g, _ := item[attrGroup].(*types.AttributeValueMemberS)
	if sk == nil || g == nil || len(sk.Value) < 10 {
		return day, errors.New("aggregate item without its key or group")
	}
	date, err := calendar.ParseDate(sk.Value[:10])
	if err != nil {
		return day, err
	}
	day.Date = date
	if err := json.Unmarshal([]byte(g.Value), &day.Group); err != nil {
		return day, fmt.Errorf("decode group: %w", err)
	}
	for name, p := range dayCounters(&day) {
		if n, ok := item[name].(*types.AttributeValueMemberN); ok {
			if *p, err = strconv.ParseInt(n.Value, 10, 64); err != nil {
				return day, fmt.Errorf("counter %s: %w", name, err)
			}
		}
	}
	return day, nil
}

// Breaches queries the breach items of each month the range touches, in
// time order, leaving out those past their retention (TTL deletes lazily).
func (d *DynamoDB) Breaches(ctx context.Context, from, to time.Time, limit int) ([]history.Record, error) {
	if limit <= 0 || !from.Before(to) {
		return nil, nil
	}
	// Sort keys are "<ended>#<id>": BETWEEN "<from>" AND "<to>" takes every
	// clock ended at from and none ended at to.
	lo, hi := from.UTC().Format(endedLayout), to.UTC().Format(endedLayout)
	last := to.Add(-time.Nanosecond)
	fresh := expression.Name(attrExpires).GreaterThan(expression.Value(d.now().Unix()))
	var out []history.Record
	for _, m := range months(month(calendar.DateOf(from, time.UTC)), month(calendar.DateOf(last, time.UTC))) {
		err := d.query(ctx, breachPrefix+m, lo, hi, &fresh, func(item map[string]types.AttributeValue) (bool, error) {
			body, _ := item[attrRecord].(*types.AttributeValueMemberS)
			if body == nil {
				return false, errors.New("breach item without its record")
			}
			var r history.Record
			if err := json.Unmarshal([]byte(body.Value), &r); err != nil {
				return false, fmt.Errorf("decode breach: %w", err)
			}
			out = append(out, r)
			return len(out) < limit, nil
		})
		if err != nil {
			return nil, fmt.Errorf("store: history breaches %s: %w", m, err)
		}
		if len(out) >= limit {
			break
		}
	}
	return out, nil
}

// query reads one partition's items with lo ≤ sk ≤ hi in sort-key order,
// page by page, handing each to fn until it returns false. Reads are
// consistent: a report just after a write sees it.
func (d *DynamoDB) query(ctx context.Context, pk, lo, hi string, filter *expression.ConditionBuilder, fn func(map[string]types.AttributeValue) (bool, error)) error {
	b := expression.NewBuilder().WithKeyCondition(expression.Key(attrPK).Equal(expression.Value(pk)).
		And(expression.Key(attrSK).Between(expression.Value(lo), expression.Value(hi))))
	if filter != nil {
		b = b.WithFilter(*filter)
	}
	expr, err := b.Build()
	if err != nil {
		return fmt.Errorf("build query: %w", err)
	}
	in := &dynamodb.QueryInput{
		TableName: &d.table, KeyConditionExpression: expr.KeyCondition(), FilterExpression: expr.Filter(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(), ConsistentRead: aws.Bool(true),
	}
	for {
		out, err := d.client.Query(ctx, in)
		if err != nil {
			return err
		}
		for _, item := range out.Items {
			more, err := fn(item)
			if err != nil || !more {
				return err
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
