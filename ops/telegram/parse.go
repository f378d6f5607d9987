package telegram

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Update is the part of a Bot API update the console needs: a text message
// and where it came from. Updates of other kinds (edits, callbacks, joins)
// have Text "" and ChatID 0 and are skipped by the poller; their ID still
// advances the offset.
type Update struct {
	ID      int64  // update_id
	ChatID  int64  // message.chat.id (negative for groups)
	FromID  int64  // message.from.id (0 when absent)
	FromBot bool   // message.from.is_bot
	Text    string // message.text
	Date    int64  // message.date, unix seconds
}

// APIError is an unsuccessful Bot API response ({"ok":false,...}).
type APIError struct {
	Method      string
	Code        int           // error_code (HTTP-like: 400, 401, 403, 409, 429)
	Description string        // description, as sent by Telegram
	RetryAfter  time.Duration // parameters.retry_after on 429
}

func (e *APIError) Error() string {
	s := "telegram " + e.Method + ": " + strconv.Itoa(e.Code) + " " + e.Description
	if e.RetryAfter > 0 {
		s += " (retry after " + e.RetryAfter.String() + ")"
	}
	return s
}

// response is the Bot API envelope.
type response struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  *struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

type rawUpdate struct {
	UpdateID *int64      `json:"update_id"`
	Message  *rawMessage `json:"message"`
}

type rawMessage struct {
	From *struct {
		ID    int64 `json:"id"`
		IsBot bool  `json:"is_bot"`
	} `json:"from"`
	Chat *struct {
		ID int64 `json:"id"`
	} `json:"chat"`
	Date int64  `json:"date"`
	Text string `json:"text"`
}

// maxRetryAfter caps a server-sent retry_after (a hostile or broken server
// must not park the alert sender for days).
const maxRetryAfter = 10 * time.Minute

// parseEnvelope decodes the envelope and turns ok:false into *APIError.
func parseEnvelope(method string, body []byte) (json.RawMessage, error) {
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("telegram %s: bad response: %w", method, err)
	}
	if !r.OK {
		e := &APIError{Method: method, Code: r.ErrorCode, Description: r.Description}
		if r.Parameters != nil && r.Parameters.RetryAfter > 0 {
			e.RetryAfter = min(time.Duration(r.Parameters.RetryAfter)*time.Second, maxRetryAfter)
		}
		return nil, e
	}
	return r.Result, nil
}

// ParseUpdates decodes a getUpdates response body. It returns *APIError for
// {"ok":false}, a wrapped decode error for anything that is not the
// documented shape, and otherwise one Update per element of "result", in
// order.
func ParseUpdates(body []byte) ([]Update, error) {
	res, err := parseEnvelope("getUpdates", body)
	if err != nil {
		return nil, err
	}
	return decodeUpdates(res)
}

// decodeUpdates decodes the "result" array of getUpdates. An element whose
// message does not have the documented shape still yields its update_id
// (so the poller confirms it and moves on) with no message fields; only an
// element without a readable update_id fails the whole batch.
func decodeUpdates(res json.RawMessage) ([]Update, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(res, &elems); err != nil {
		return nil, fmt.Errorf("telegram getUpdates: bad result: %w", err)
	}
	ups := make([]Update, len(elems))
	for i, e := range elems {
		var r rawUpdate
		if err := json.Unmarshal(e, &r); err != nil {
			var id struct {
				UpdateID *int64 `json:"update_id"`
			}
			if json.Unmarshal(e, &id) != nil || id.UpdateID == nil {
				return nil, fmt.Errorf("telegram getUpdates: bad update %d: %w", i, err)
			}
			ups[i] = Update{ID: *id.UpdateID}
			continue
		}
		if r.UpdateID == nil {
			return nil, fmt.Errorf("telegram getUpdates: update %d has no update_id", i)
		}
		u := Update{ID: *r.UpdateID}
		if m := r.Message; m != nil && m.Chat != nil && m.Chat.ID != 0 { // no chat id: not a message we can answer
			u.ChatID, u.Text, u.Date = m.Chat.ID, m.Text, m.Date
			if m.From != nil {
				u.FromID, u.FromBot = m.From.ID, m.From.IsBot
			}
		}
		ups[i] = u
	}
	return ups, nil
}
