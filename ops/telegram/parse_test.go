package telegram

import (
	"errors"
	"testing"
	"time"
)

func TestParseUpdates(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    []Update
		wantErr bool
		apiErr  *APIError
	}{
		{"empty", `{"ok":true,"result":[]}`, []Update{}, false, nil},
		{"message", `{"ok":true,"result":[{"update_id":7,"message":{"message_id":1,"from":{"id":42,"is_bot":false,"first_name":"a"},"chat":{"id":42,"type":"private"},"date":1700000000,"text":"/status"}}]}`,
			[]Update{{ID: 7, ChatID: 42, FromID: 42, Text: "/status", Date: 1700000000}}, false, nil},
		{"group and bot", `{"ok":true,"result":[{"update_id":8,"message":{"from":{"id":5,"is_bot":true},"chat":{"id":-1001234567890,"type":"supergroup"},"text":"/kill"}}]}`,
			[]Update{{ID: 8, ChatID: -1001234567890, FromID: 5, FromBot: true, Text: "/kill"}}, false, nil},
		{"other kinds", `{"ok":true,"result":[{"update_id":9,"edited_message":{"chat":{"id":1},"text":"/kill"}},{"update_id":10,"message":{"text":"no chat"}}]}`,
			[]Update{{ID: 9}, {ID: 10}}, false, nil},
		{"api error", `{"ok":false,"error_code":401,"description":"Unauthorized"}`, nil, true, &APIError{Method: "getUpdates", Code: 401, Description: "Unauthorized"}},
		{"429", `{"ok":false,"error_code":429,"description":"Too Many Requests","parameters":{"retry_after":3}}`, nil, true,
			&APIError{Method: "getUpdates", Code: 429, Description: "Too Many Requests", RetryAfter: 3 * time.Second}},
		{"huge retry", `{"ok":false,"error_code":429,"parameters":{"retry_after":99999999}}`, nil, true,
			&APIError{Method: "getUpdates", Code: 429, RetryAfter: maxRetryAfter}},
		{"not json", `<html>`, nil, true, nil},
		{"result not array", `{"ok":true,"result":{"a":1}}`, nil, true, nil},
		{"bad id", `{"ok":true,"result":[{"update_id":"x"}]}`, nil, true, nil},
		{"no id", `{"ok":true,"result":[{"message":{"chat":{"id":1}}}]}`, nil, true, nil},
		{"odd message skipped", `{"ok":true,"result":[{"update_id":11,"message":{"chat":{"id":"1"},"text":5}},{"update_id":12,"message":{"chat":{"id":3},"text":"/pnl"}}]}`,
			[]Update{{ID: 11}, {ID: 12, ChatID: 3, Text: "/pnl"}}, false, nil},
		{"id overflow", `{"ok":true,"result":[{"update_id":1e30}]}`, nil, true, nil},
	}
	for _, tt := range tests {
		got, err := ParseUpdates([]byte(tt.body))
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err %v", tt.name, err)
			continue
		}
		if tt.apiErr != nil {
			var ae *APIError
			if !errors.As(err, &ae) || *ae != *tt.apiErr {
				t.Errorf("%s: got %#v, want %#v", tt.name, err, tt.apiErr)
			}
			continue
		}
		if tt.wantErr {
			continue
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: got %+v", tt.name, got)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s[%d]: got %+v, want %+v", tt.name, i, got[i], tt.want[i])
			}
		}
	}
	if s := (&APIError{Method: "sendMessage", Code: 429, Description: "Too Many Requests", RetryAfter: time.Second}).Error(); s != "telegram sendMessage: 429 Too Many Requests (retry after 1s)" {
		t.Error(s)
	}
}

func FuzzParseUpdates(f *testing.F) {
	for _, s := range []string{
		`{"ok":true,"result":[]}`,
		`{"ok":true,"result":[{"update_id":7,"message":{"message_id":1,"from":{"id":42,"is_bot":false},"chat":{"id":42,"type":"private"},"date":1700000000,"text":"/status"}}]}`,
		`{"ok":true,"result":[{"update_id":9,"edited_message":{"chat":{"id":1}}},{"update_id":10,"message":{"text":"x"}}]}`,
		`{"ok":false,"error_code":429,"description":"Too Many Requests","parameters":{"retry_after":3}}`,
		`{"ok":true,"result":[{"update_id":-1,"message":{"chat":{"id":-100},"text":"/kill 123456"}}]}`,
		`{"ok":true,"result":null}`,
		`{"ok":true}`,
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ups, err := ParseUpdates(body)
		if err != nil {
			if ups != nil {
				t.Fatal("updates returned with an error")
			}
			var ae *APIError
			if errors.As(err, &ae) && (ae.RetryAfter < 0 || ae.RetryAfter > maxRetryAfter) {
				t.Fatalf("retry_after %v out of range", ae.RetryAfter)
			}
			return
		}
		for _, u := range ups {
			if u.ChatID == 0 && (u.Text != "" || u.FromID != 0 || u.FromBot || u.Date != 0) {
				t.Fatalf("message fields without a chat: %+v", u)
			}
		}
	})
}
