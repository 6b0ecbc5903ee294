package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeFirstRunSignInAndShutdown follows the README: the first run
// creates an admin and prints the password, the password signs in, an API
// key made with `keys create` screens, and SIGTERM (a cancelled context)
// stops the server cleanly.
func TestServeFirstRunSignInAndShutdown(t *testing.T) {
	db := filepath.Join(t.TempDir(), "rf.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	getenv := func(k string) string {
		if k == "RINGFENCE_DB" {
			return db
		}
		return ""
	}
	done := make(chan error, 1)
	go func() {
		var out strings.Builder
		err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, getenv, strings.NewReader(""), &out, pw)
		pw.Close()
		done <- err
	}()
	var password, addr string
	passRe := regexp.MustCompile(`created user admin with password (\S+);`)
	sc := bufio.NewScanner(pr)
	for addr == "" && sc.Scan() {
		line := sc.Text()
		if m := passRe.FindStringSubmatch(line); m != nil {
			password = m[1]
		}
		var ev struct{ Msg, Addr string }
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Msg == "listening" {
			addr = ev.Addr
		}
	}
	go io.Copy(io.Discard, pr)
	if password == "" || addr == "" {
		t.Fatalf("no first-run password (%q) or address (%q)", password, addr)
	}
	base := "http://" + addr
	waitReady(t, base)

	// The printed password signs in; the session cookie opens the queue.
	jar := &cookieJar{}
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(base+"/signin", url.Values{"name": {"admin"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(jar.cookies) == 0 {
		t.Fatalf("sign-in: %s, cookies %v", resp.Status, jar.cookies)
	}
	resp, err = client.Get(base + "/v1/me")
	if err != nil {
		t.Fatal(err)
	}
	var me struct{ Name, Role string }
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if me.Name != "admin" || me.Role != "admin" {
		t.Errorf("/v1/me as the signed-in admin: %+v", me)
	}

	// A key made with the CLI while the server runs screens through it.
	key, errOut, code := ringfenceDB(t, db, "keys", "create", "--name", "ats", "--role", "ingest")
	if code != 0 {
		t.Fatalf("keys create: exit %d: %s", code, errOut)
	}
	req, _ := http.NewRequest("POST", base+"/v1/screen", strings.NewReader(`{"id":"app-1","name":"Jin Park"}`))
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(key))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var v struct{ ID, Level string }
	json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if resp.StatusCode != 200 || v.ID != "app-1" || v.Level == "" {
		t.Errorf("screen with the new key: %s %+v", resp.Status, v)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve ended with %v", err)
		}

	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	for range 200 {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the server never became ready")
}

// cookieJar keeps the cookies of one host, Secure ones included: the
// server marks the session cookie Secure except over plain HTTP to
// loopback, which this is.
type cookieJar struct{ cookies []*http.Cookie }

func (j *cookieJar) SetCookies(_ *url.URL, cs []*http.Cookie) { j.cookies = append(j.cookies, cs...) }
func (j *cookieJar) Cookies(*url.URL) []*http.Cookie          { return j.cookies }

func TestUsersAndKeysCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "rf.db")
	out, errOut, code := ringfenceDB(t, db, "users", "add", "mina", "--role", "analyst")
	if code != 0 || !regexp.MustCompile(`created analyst mina with password \S{12,}`).MatchString(out) {
		t.Fatalf("users add: exit %d: %s%s", code, out, errOut)
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"users", "add", "mina", "--role", "analyst"}, 2, "exists"},
		{[]string{"users", "add", "bo"}, 2, "needs --role"},
		{[]string{"users", "add", "bo", "--role", "root"}, 2, "--role"},
		{[]string{"users", "add", "bad name", "--role", "viewer"}, 2, "user name"},
		{[]string{"users", "set", "ghost", "--disable"}, 2, "no user ghost"},
		{[]string{"keys", "create", "--name", "x"}, 2, "--role"},
		{[]string{"keys", "revoke", "000000000000"}, 2, "no key"},
	} {
		_, errOut, code := ringfenceDB(t, db, c.args...)
		if code != c.code || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: exit %d: %s", c.args, code, errOut)
		}
	}
	if _, errOut, code := ringfenceDB(t, db, "users", "set", "mina", "--disable"); code != 0 {
		t.Fatalf("users set: %s", errOut)
	}
	out, _, _ = ringfenceDB(t, db, "users", "list")
	if !regexp.MustCompile(`mina\s+analyst\s+yes`).MatchString(out) {
		t.Errorf("users list after disabling:\n%s", out)
	}
	key, _, code := ringfenceDB(t, db, "keys", "create", "--name", "ats", "--role", "ingest")
	id := strings.SplitN(strings.TrimPrefix(strings.TrimSpace(key), "rfk_"), "_", 2)[0]
	if code != 0 || len(id) != 12 {
		t.Fatalf("keys create: %q", key)
	}
	if _, errOut, code := ringfenceDB(t, db, "keys", "revoke", id); code != 0 {
		t.Fatalf("keys revoke: %s", errOut)
	}
	out, _, _ = ringfenceDB(t, db, "keys", "list")
	if !regexp.MustCompile(id+`\s+ats\s+ingest\s+cli\s+\S+\s+20\d\d-`).MatchString(out) || strings.Contains(out, strings.TrimSpace(key)) {
		t.Errorf("keys list shows no revocation or shows the secret:\n%s", out)
	}
}

// The consortium schedules refuse to start half configured.
func TestServeRefusesHalfConfiguredSchedules(t *testing.T) {
	db := filepath.Join(t.TempDir(), "rf.db")
	for _, args := range [][]string{
		{"serve", "--share-pull-every", "1h"},
		{"serve", "--share-pull-every", "10s", "--hub", "http://hub", "--key", "rfk_x", "--collection", "c"},
		{"serve", "--share-sync-every", "24h", "--hub", "http://hub", "--key", "rfk_x"},
		{"serve", "--share-sync-every", "30m", "--hub", "http://hub", "--key", "rfk_x", "--pin", "AQAAAAE"},
		{"serve", "--share-sync-every", "24h", "--hub", "http://hub", "--key", "rfk_x", "--pin", "not a key"},
	} {
		if _, errOut, code := ringfenceDB(t, db, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2: %s", args, code, errOut)
		}
	}
}
