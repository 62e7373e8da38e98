package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// A source's traffic is one item, SRC#<source>/TRAFFIC, written by
// attribute (UpdateItem) rather than whole: the webhook path and the
// checker write different attributes of it and must not overwrite each
// other. Times are Unix milliseconds. No other key starts with "SRC#"
// ("T#", "E#", "Q#", "H#"), and the item has none of the indexes'
// attributes, so no index holds it.
const (
	sourcePrefix = "SRC#"
	skTraffic    = "TRAFFIC"

	attrLastAccepted = "last_accepted"
	attrRejectedRow  = "rejected_in_a_row"
	attrLastRejected = "last_rejected"
	attrWatched      = "watched"
	attrSilentSince  = "silent_since"
	attrRejectedSent = "rejected_alerted"
)

var _ Traffic = (*DynamoDB)(nil)

type trafficItem struct {
	LastAccepted int64 `dynamodbav:"last_accepted"`
	RejectedRow  int   `dynamodbav:"rejected_in_a_row"`
	LastRejected int64 `dynamodbav:"last_rejected"`
	Watched      int64 `dynamodbav:"watched"`
	SilentSince  int64 `dynamodbav:"silent_since"`
	RejectedSent bool  `dynamodbav:"rejected_alerted"`
}

func (it trafficItem) traffic(source string) SourceTraffic {
	return SourceTraffic{
		Source: source, LastAccepted: fromMilli(it.LastAccepted), RejectedInARow: it.RejectedRow,
		LastRejected: fromMilli(it.LastRejected), Watched: fromMilli(it.Watched),
		Alerts: Alerts{Silent: fromMilli(it.SilentSince), Rejected: it.RejectedSent},
	}
}

// fromMilli is the inverse of UnixMilli, with 0 (an absent attribute) for
// the zero time.
func fromMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

func (d *DynamoDB) trafficKey(source string) (map[string]types.AttributeValue, error) {
	key, err := attributevalue.MarshalMap(struct {
		PK string `dynamodbav:"pk"`
		SK string `dynamodbav:"sk"`
	}{sourcePrefix + source, skTraffic})
	if err != nil {
		return nil, fmt.Errorf("store: marshal key: %w", err)
	}
	return key, nil
}

// update runs one conditional UpdateItem on source's item; it reports
// false, and no error, when the condition failed.
func (d *DynamoDB) updateTraffic(ctx context.Context, source string, upd expression.UpdateBuilder, cond *expression.ConditionBuilder, ret types.ReturnValue) (bool, map[string]types.AttributeValue, error) {
	key, err := d.trafficKey(source)
	if err != nil {
		return false, nil, err
	}
	b := expression.NewBuilder().WithUpdate(upd)
	if cond != nil {
		b = b.WithCondition(*cond)
	}
	expr, err := b.Build()
	if err != nil {
		return false, nil, fmt.Errorf("store: build traffic update: %w", err)
	}
	out, err := d.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &d.table, Key: key, UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(), ReturnValues: ret,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("store: update traffic of source %s: %w", source, err)
	}
	return true, out.Attributes, nil
}

// RecordAccepted is one conditional UpdateItem. A failed condition (the
// stored time is recent) still costs a write unit, which is why callers
// on the webhook path go through heartbeat.Recorder.
func (d *DynamoDB) RecordAccepted(ctx context.Context, source string, at time.Time) error {
	ms := at.UnixMilli()
	last, row := expression.Name(attrLastAccepted), expression.Name(attrRejectedRow)
	cond := expression.AttributeNotExists(last).
		Or(last.LessThanEqual(expression.Value(at.Add(-AcceptedResolution).UnixMilli()))).
		Or(row.GreaterThan(expression.Value(0)).And(last.LessThanEqual(expression.Value(ms))))
	upd := expression.Set(last, expression.Value(ms)).Set(row, expression.Value(0))
	_, _, err := d.updateTraffic(ctx, source, upd, &cond, types.ReturnValueNone)
	return err
}

// RecordRejected is one UpdateItem whose ADD counts atomically.
func (d *DynamoDB) RecordRejected(ctx context.Context, source string, at time.Time) error {
	upd := expression.Add(expression.Name(attrRejectedRow), expression.Value(1)).
		Set(expression.Name(attrLastRejected), expression.Value(at.UnixMilli()))
	_, _, err := d.updateTraffic(ctx, source, upd, nil, types.ReturnValueNone)
	return err
}

// Watch is a consistent read, and for a source not yet watched one
// UpdateItem that sets watched only if absent (two checkers may race to
// it; the first time wins) and returns the whole item.
func (d *DynamoDB) Watch(ctx context.Context, source string, now time.Time) (SourceTraffic, error) {
	key, err := d.trafficKey(source)
	if err != nil {
		return SourceTraffic{}, err
	}
	out, err := d.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &d.table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return SourceTraffic{}, fmt.Errorf("store: get traffic of source %s: %w", source, err)
	}
	item := out.Item
	var it trafficItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return SourceTraffic{}, fmt.Errorf("store: unmarshal traffic of source %s: %w", source, err)
	}
	if it.Watched != 0 {
		return it.traffic(source), nil
	}
	w := expression.Name(attrWatched)
	_, item, err = d.updateTraffic(ctx, source, expression.Set(w, expression.IfNotExists(w, expression.Value(now.UnixMilli()))), nil, types.ReturnValueAllNew)
	if err != nil {
		return SourceTraffic{}, err
	}
	it = trafficItem{}
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return SourceTraffic{}, fmt.Errorf("store: unmarshal traffic of source %s: %w", source, err)
	}
	return it.traffic(source), nil
}

// SwapAlerts is one UpdateItem conditioned on the alert attributes and
// last_accepted being as seen: a compare-and-swap, so of two checkers
// that read the same state only one changes it.
func (d *DynamoDB) SwapAlerts(ctx context.Context, seen SourceTraffic, next Alerts) (bool, error) {
	silent, sent, last := expression.Name(attrSilentSince), expression.Name(attrRejectedSent), expression.Name(attrLastAccepted)
	cond := equalOrAbsent(silent, seen.Silent).And(equalOrAbsent(last, seen.LastAccepted))
	if seen.Rejected {
		cond = cond.And(sent.Equal(expression.Value(true)))
	} else {
		cond = cond.And(expression.AttributeNotExists(sent).Or(sent.Equal(expression.Value(false))))
	}
	upd := expression.Set(sent, expression.Value(next.Rejected))
	if next.Silent.IsZero() {
		upd = upd.Remove(silent)
	} else {
		upd = upd.Set(silent, expression.Value(next.Silent.UnixMilli()))
	}
	won, _, err := d.updateTraffic(ctx, seen.Source, upd, &cond, types.ReturnValueNone)
	return won, err
}

// equalOrAbsent: the time attribute holds t, or is absent for the zero
// time.
func equalOrAbsent(name expression.NameBuilder, t time.Time) expression.ConditionBuilder {
	if t.IsZero() {
		return expression.AttributeNotExists(name)
	}
	return name.Equal(expression.Value(t.UnixMilli()))
}
