package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/slawatch/slawatch/shared/silence"
)

// Silence items; docs/silences.md lists them. No ticket ("T#"), event
// ("E#"), queue ("Q#") or history ("H#") key starts with "SIL".
//
//	pk "SIL", sk <id>            the silence: silence (S, its JSON), kept and
//	                             total (N, alerts held: ids kept, all),
//	                             digest_sent (BOOL), expires_at (N)
//	pk "SIL#<id>", sk "A#<alert id>"   one held alert: expires_at (N)
//
// Every silence is in one partition, so listing them is one Query: there
// are tens, not millions, and they change rarely. Each alert a silence
// holds adds one to its item's counters; at one write per silenced alert a
// partition's 1,000 writes a second are far away.
const (
	silencePK       = "SIL"
	heldPrefix      = "SIL#"
	heldSKPrefix    = "A#"
	attrSilence     = "silence"
	attrKept        = "kept"
	attrTotal       = "total"
	attrDigestSent  = "digest_sent"
	silenceSKLowest = "0000000000000000"
	silenceSKHigh   = "ffffffffffffffff"
)

var _ Silences = (*DynamoDB)(nil)

func silenceExpiry(s silence.Silence) int64 { return s.Ends.Add(SilenceRetention).Unix() }

func (d *DynamoDB) PutSilence(ctx context.Context, s silence.Silence) error {
	if err := checkSilence(s); err != nil {
		return err
	}
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("store: encode silence %s: %w", s.ID, err)
	}
	item := keyAV(silencePK, s.ID)
	item[attrSilence] = &types.AttributeValueMemberS{Value: string(body)}
	item[attrKept] = &types.AttributeValueMemberN{Value: "0"}
	item[attrTotal] = &types.AttributeValueMemberN{Value: "0"}
	item[attrExpires] = &types.AttributeValueMemberN{Value: strconv.FormatInt(silenceExpiry(s), 10)}
	expr, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(attrPK))).Build()
	if err != nil {
		return fmt.Errorf("store: build condition: %w", err)
	}
	_, err = d.client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &d.table, Item: item, ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()})
	var failed *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &failed):
		return fmt.Errorf("store: silence %s: %w", s.ID, ErrSilenceExists)
	case err != nil:
		return fmt.Errorf("store: put silence %s: %w", s.ID, err)
	}
	return nil
}

// silenceItem is a silence item decoded.
type silenceItem struct {
	s           silence.Silence
	body        string
	kept, total int
	digestSent  bool
}

func decodeSilence(item map[string]types.AttributeValue) (silenceItem, error) {
	var it silenceItem
	body, _ := item[attrSilence].(*types.AttributeValueMemberS)
	if body == nil {
		return it, errors.New("silence item without its silence")
	}
	it.body = body.Value
	if err := json.Unmarshal([]byte(body.Value), &it.s); err != nil {
		return it, fmt.Errorf("decode silence: %w", err)
	}
	for name, p := range map[string]*int{attrKept: &it.kept, attrTotal: &it.total} {
		if n, ok := item[name].(*types.AttributeValueMemberN); ok {
			v, err := strconv.Atoi(n.Value)
			if err != nil {
				return it, fmt.Errorf("silence counter %s: %w", name, err)
			}
			*p = v
		}
	}
	if b, ok := item[attrDigestSent].(*types.AttributeValueMemberBOOL); ok {
		it.digestSent = b.Value
	}
	return it, nil
}

// getSilence reads a silence consistently; ErrSilenceNotFound when it is
// absent or past its retention (TTL deletes lazily).
func (d *DynamoDB) getSilence(ctx context.Context, id string) (silenceItem, error) {
	if !silence.ValidID(id) {
		// Not a key any silence has; asking would only cost a read.
		return silenceItem{}, fmt.Errorf("store: silence %q: %w", id, ErrSilenceNotFound)
	}
	out, err := d.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &d.table, Key: keyAV(silencePK, id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return silenceItem{}, fmt.Errorf("store: get silence %s: %w", id, err)
	}
	if len(out.Item) == 0 {
		return silenceItem{}, fmt.Errorf("store: silence %s: %w", id, ErrSilenceNotFound)
	}
	it, err := decodeSilence(out.Item)
	if err != nil {
		return it, fmt.Errorf("store: silence %s: %w", id, err)
	}
	if silencePurged(it.s, d.now()) {
		return silenceItem{}, fmt.Errorf("store: silence %s: %w", id, ErrSilenceNotFound)
	}
	return it, nil
}

// Silences is one Query of the silences' partition (a page per MB).
func (d *DynamoDB) Silences(ctx context.Context) ([]silence.Silence, error) {
	now := d.now()
	out := []silence.Silence{}
	err := d.query(ctx, silencePK, silenceSKLowest, silenceSKHigh, nil, func(item map[string]types.AttributeValue) (bool, error) {
		it, err := decodeSilence(item)
		if err != nil {
			return false, err
		}
		if !silencePurged(it.s, now) {
			out = append(out, it.s)
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list silences: %w", err)
	}
	sortSilences(out)
	return out, nil
}

// ExpireSilence rewrites the silence on condition that it is still the
// one read, so that a concurrent expiry is neither lost nor doubled; the
// counters on the item are left alone.
func (d *DynamoDB) ExpireSilence(ctx context.Context, id string, at time.Time) (silence.Silence, error) {
	for attempt := 0; attempt < maxAttempts; attempt++ {
		it, err := d.getSilence(ctx, id)
		if err != nil {
			return silence.Silence{}, err
		}
		if it.s.ExpiredAt != nil {
			return it.s, nil
		}
		next := it.s.Expire(at)
		body, err := json.Marshal(next)
		if err != nil {
			return silence.Silence{}, fmt.Errorf("store: encode silence %s: %w", id, err)
		}
		up := expression.Set(expression.Name(attrSilence), expression.Value(string(body))).
			Set(expression.Name(attrExpires), expression.Value(silenceExpiry(next)))
		cond := expression.Name(attrSilence).Equal(expression.Value(it.body))
		_, failed, err := d.updateOne(ctx, silencePK, id, up, cond)
		switch {
		case err != nil:
			return silence.Silence{}, fmt.Errorf("store: expire silence %s: %w", id, err)
		case !failed:
			return next, nil
		}
		if err := sleep(ctx, attempt); err != nil {
			return silence.Silence{}, err
		}
	}
	return silence.Silence{}, fmt.Errorf("store: expire silence %s: %w after %d attempts", id, ErrConflict, maxAttempts)
}

// HoldAlert reads the silence (it must exist, and the held item expires
// with it), then in one transaction creates the held alert's item on
// condition that it does not exist and counts it on the silence on
// condition that fewer than MaxHeldAlerts are kept. A full silence only
// counts: one more update.
func (d *DynamoDB) HoldAlert(ctx context.Context, silenceID, alertID string, _ time.Time) (bool, error) {
	if err := checkAlertID(alertID); err != nil {
		return false, err
	}
	it, err := d.getSilence(ctx, silenceID)
	if err != nil {
		return false, err
	}
	heldKey := keyAV(heldPrefix+silenceID, heldSKPrefix+alertID)
	held := keyAV(heldPrefix+silenceID, heldSKPrefix+alertID)
	held[attrExpires] = &types.AttributeValueMemberN{Value: strconv.FormatInt(silenceExpiry(it.s), 10)}
	absent, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(attrPK))).Build()
	if err != nil {
		return false, fmt.Errorf("store: build condition: %w", err)
	}
	one := expression.Value(1)
	count, err := expression.NewBuilder().
		WithUpdate(expression.Add(expression.Name(attrKept), one).Add(expression.Name(attrTotal), one)).
		WithCondition(expression.AttributeExists(expression.Name(attrPK)).
			And(expression.Name(attrKept).LessThan(expression.Value(MaxHeldAlerts)))).
		Build()
	if err != nil {
		return false, fmt.Errorf("store: build hold update: %w", err)
	}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		_, err = d.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: &d.table, Item: held, ConditionExpression: absent.Condition(),
				ExpressionAttributeNames: absent.Names(), ExpressionAttributeValues: absent.Values()}},
			{Update: &types.Update{TableName: &d.table, Key: keyAV(silencePK, silenceID), UpdateExpression: count.Update(),
				ConditionExpression: count.Condition(), ExpressionAttributeNames: count.Names(), ExpressionAttributeValues: count.Values(),
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		}})
		if err == nil {
			return true, nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return false, fmt.Errorf("store: hold alert in silence %s: %w", silenceID, err)
		}
		reasons := canceled.CancellationReasons
		switch {
		case len(reasons) > 0 && aws.ToString(reasons[0].Code) == "ConditionalCheckFailed":
			return false, nil // held before
		case len(reasons) > 1 && aws.ToString(reasons[1].Code) == "ConditionalCheckFailed":
			if len(reasons[1].Item) == 0 {
				return false, fmt.Errorf("store: silence %s: %w", silenceID, ErrSilenceNotFound)
			}
			return d.holdBeyond(ctx, silenceID, heldKey)
		case !hasCode(reasons, "TransactionConflict"):
			return false, fmt.Errorf("store: hold alert in silence %s: %w", silenceID, err)
		}
		if err := sleep(ctx, attempt); err != nil {
			return false, err
		}
	}
	return false, fmt.Errorf("store: hold alert in silence %s: %w after %d attempts", silenceID, ErrConflict, maxAttempts)
}

// holdBeyond counts an alert held by a silence that keeps no more ids.
// The transaction's first condition may not have been evaluated once the
// second failed, so whether this alert's id is one of those kept is
// asked first.
func (d *DynamoDB) holdBeyond(ctx context.Context, silenceID string, heldKey map[string]types.AttributeValue) (bool, error) {
	out, err := d.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &d.table, Key: heldKey, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return false, fmt.Errorf("store: get held alert of silence %s: %w", silenceID, err)
	}
	if len(out.Item) > 0 {
		return false, nil
	}
	up := expression.Add(expression.Name(attrTotal), expression.Value(1))
	_, failed, err := d.updateOne(ctx, silencePK, silenceID, up, expression.AttributeExists(expression.Name(attrPK)))
	switch {
	case err != nil:
		return false, fmt.Errorf("store: count held alert of silence %s: %w", silenceID, err)
	case failed:
		return false, fmt.Errorf("store: silence %s: %w", silenceID, ErrSilenceNotFound)
	}
	return true, nil
}

// HeldAlerts reads the silence's counters and queries its held items: one
// read and one Query a MB of ids (at most MaxHeldAlerts of them).
func (d *DynamoDB) HeldAlerts(ctx context.Context, silenceID string) ([]string, int, error) {
	it, err := d.getSilence(ctx, silenceID)
	if err != nil {
		return nil, 0, err
	}
	ids := []string{}
	// '$' sorts right after '#': every "A#…" key and nothing else.
	err = d.query(ctx, heldPrefix+silenceID, heldSKPrefix, "A$", nil, func(item map[string]types.AttributeValue) (bool, error) {
		sk, _ := item[attrSK].(*types.AttributeValueMemberS)
		if sk == nil {
			return false, errors.New("held alert item without its key")
		}
		ids = append(ids, sk.Value[len(heldSKPrefix):])
		return true, nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: held alerts of silence %s: %w", silenceID, err)
	}
	return ids, it.total, nil
}

// MarkDigestSent sets digest_sent on condition that it is not set: of
// racing callers exactly one sees its write succeed.
func (d *DynamoDB) MarkDigestSent(ctx context.Context, silenceID string) (bool, error) {
	if !silence.ValidID(silenceID) {
		return false, fmt.Errorf("store: silence %q: %w", silenceID, ErrSilenceNotFound)
	}
	up := expression.Set(expression.Name(attrDigestSent), expression.Value(true))
	cond := expression.AttributeExists(expression.Name(attrPK)).And(expression.AttributeNotExists(expression.Name(attrDigestSent))).
		And(expression.Name(attrExpires).GreaterThan(expression.Value(d.now().Unix())))
	old, failed, err := d.updateOne(ctx, silencePK, silenceID, up, cond)
	switch {
	case err != nil:
		return false, fmt.Errorf("store: mark digest of silence %s: %w", silenceID, err)
	case !failed:
		return true, nil
	case len(old) == 0:
		return false, fmt.Errorf("store: silence %s: %w", silenceID, ErrSilenceNotFound)
	}
	it, err := decodeSilence(old)
	if err != nil {
		return false, fmt.Errorf("store: silence %s: %w", silenceID, err)
	}
	if !it.digestSent && silencePurged(it.s, d.now()) {
		return false, fmt.Errorf("store: silence %s: %w", silenceID, ErrSilenceNotFound)
	}
	return false, nil
}

// updateOne applies one conditional update as a single-item transaction:
// the store's client offers no UpdateItem, and a transaction returns the
// item when its condition fails (failed, with the item: nil when there is
// none). Conflicts with other transactions are retried.
// ReleaseDigest removes digest_sent, on condition that the silence exists.
func (d *DynamoDB) ReleaseDigest(ctx context.Context, silenceID string) error {
	if !silence.ValidID(silenceID) {
		return fmt.Errorf("store: silence %q: %w", silenceID, ErrSilenceNotFound)
	}
	up := expression.Remove(expression.Name(attrDigestSent))
	_, failed, err := d.updateOne(ctx, silencePK, silenceID, up, expression.AttributeExists(expression.Name(attrPK)))
	switch {
	case err != nil:
		return fmt.Errorf("store: release digest of silence %s: %w", silenceID, err)
	case failed:
		return fmt.Errorf("store: silence %s: %w", silenceID, ErrSilenceNotFound)
	}
	return nil
}

func (d *DynamoDB) updateOne(ctx context.Context, pk, sk string, up expression.UpdateBuilder, cond expression.ConditionBuilder) (map[string]types.AttributeValue, bool, error) {
	expr, err := expression.NewBuilder().WithUpdate(up).WithCondition(cond).Build()
	if err != nil {
		return nil, false, fmt.Errorf("build update: %w", err)
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Update: &types.Update{
		TableName: &d.table, Key: keyAV(pk, sk), UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}}}
	for attempt := 0; attempt < maxAttempts; attempt++ {
		_, err := d.client.TransactWriteItems(ctx, in)
		if err == nil {
			return nil, false, nil
		}
		var canceled *types.TransactionCanceledException
		if !errors.As(err, &canceled) {
			return nil, false, err
		}
		reasons := canceled.CancellationReasons
		switch {
		case len(reasons) > 0 && aws.ToString(reasons[0].Code) == "ConditionalCheckFailed":
			return reasons[0].Item, true, nil
		case !hasCode(reasons, "TransactionConflict"):
			return nil, false, err
		}
		if err := sleep(ctx, attempt); err != nil {
			return nil, false, err
		}
	}
	return nil, false, fmt.Errorf("%w after %d attempts", ErrConflict, maxAttempts)
}
