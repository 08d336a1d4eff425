package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func bgctx() context.Context { return context.Background() }

// closedAddr returns a loopback address on which nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestClientIP(t *testing.T) {
	cases := []struct {
		name   string
		remote string
		xff    []string
		hops   int
		want   string
	}{
		{"no header uses peer", "10.0.0.5:4242", nil, 1, "10.0.0.5"},
		{"one proxy", "10.1.0.7:1234", []string{"203.0.113.9"}, 1, "203.0.113.9"},
		{"spoofed entry ignored", "10.1.0.7:1234", []string{"1.2.3.4, 203.0.113.9"}, 1, "203.0.113.9"},
		{"two proxies", "10.1.0.7:1234", []string{"1.2.3.4, 203.0.113.9, 10.1.0.99"}, 2, "203.0.113.9"},
		{"header repeated", "10.1.0.7:1234", []string{"1.2.3.4", "203.0.113.9"}, 1, "203.0.113.9"},
		{"hops 0 ignores header", "10.1.0.7:1234", []string{"203.0.113.9"}, 0, "10.1.0.7"},
		{"too few entries uses peer", "10.1.0.7:1234", []string{"203.0.113.9"}, 2, "10.1.0.7"},
		{"garbage uses peer", "10.1.0.7:1234", []string{"<script>"}, 1, "10.1.0.7"},
		{"ipv6", "[::1]:80", []string{"2001:db8::1"}, 1, "2001:db8::1"},
		{"ipv6 peer", "[2001:db8::2]:80", nil, 1, "2001:db8::2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/home", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIP(r, tc.hops); got != tc.want {
				t.Fatalf("ClientIP = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := LoadConfig(env(nil))
	if err != nil || c.Port != 8000 || c.RedisAddr != "localhost:6379" || c.Window != 60*time.Second || c.TrustedProxyHops != 1 {
		t.Fatalf("defaults: %+v, %v", c, err)
	}
	c, err = LoadConfig(env(map[string]string{"PORT": "9000", "REDIS_ADDR": "redis:6380", "COUNT_WINDOW_SECONDS": "5", "TRUSTED_PROXY_HOPS": "2"}))
	if err != nil || c.Port != 9000 || c.RedisAddr != "redis:6380" || c.Window != 5*time.Second || c.TrustedProxyHops != 2 {
		t.Fatalf("overrides: %+v, %v", c, err)
	}
	for _, bad := range []map[string]string{{"PORT": "0"}, {"PORT": "x"}, {"COUNT_WINDOW_SECONDS": "0"}, {"REDIS_ADDR": "nohostport"}, {"TRUSTED_PROXY_HOPS": "-1"}} {
		if _, err := LoadConfig(env(bad)); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestRunRejectsBadInput(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(nil, func(k string) string {
		if k == "PORT" {
			return "99999"
		}
		return ""
	}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "PORT") {
		t.Fatalf("bad PORT: code %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"-bogus"}, func(string) string { return "" }, &out, &errb); code != 2 {
		t.Fatalf("bad argument: code %d", code)
	}
}

func TestHomePageIsEscaped(t *testing.T) {
	var buf bytes.Buffer
	if err := homePage.Execute(&buf, homeData{IP: `<script>alert("x")</script>`, Count: 3}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<script>") || !strings.Contains(buf.String(), "&lt;script&gt;") {
		t.Fatalf("not escaped: %s", buf.String())
	}
}

var countRE = regexp.MustCompile(`You access this website (\d+) time\(s\)\.`)

func getHome(t *testing.T, h http.Handler, xff string) (int, string) {
	t.Helper()
	r := httptest.NewRequest("GET", "/home", nil)
	r.RemoteAddr = "10.1.0.20:5555"
	if xff != "" {
		r.Header.Set("X-Forwarded-For", xff)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

func TestHomeCountsPerClient(t *testing.T) {
	srv := startRedis(t)
	rc := NewRedisClient(srv.Addr())
	defer rc.Close()
	h := (&App{Redis: rc, Window: time.Minute, TrustedProxyHops: 1}).Routes()

	for want := 1; want <= 3; want++ {
		code, body := getHome(t, h, "198.51.100.1")
		m := countRE.FindStringSubmatch(body)
		if code != 200 || m == nil || m[1] != strconv.Itoa(want) {
			t.Fatalf("visit %d: %d %s", want, code, body)
		}
		if !strings.Contains(body, "<title>Counting App</title>") || !strings.Contains(body, "Hi, 198.51.100.1") {
			t.Fatalf("page: %s", body)
		}
	}
	// Another client has its own counter; the peer address is used without the header.
	code, body := getHome(t, h, "")
	if code != 200 || !strings.Contains(body, "Hi, 10.1.0.20") || countRE.FindStringSubmatch(body)[1] != "1" {
		t.Fatalf("peer fallback: %d %s", code, body)
	}
}

func TestHomeAndHealthWithoutRedis(t *testing.T) {
	rc := NewRedisClient(closedAddr(t))
	defer rc.Close()
	h := (&App{Redis: rc, Window: time.Minute, TrustedProxyHops: 1}).Routes()
	if code, _ := getHome(t, h, ""); code != http.StatusServiceUnavailable {
		t.Fatalf("/home without Redis: %d, want 503", code)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/health", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("/health without Redis: %d, want 503", w.Code)
	}
}

func TestRoutes(t *testing.T) {
	srv := startRedis(t)
	rc := NewRedisClient(srv.Addr())
	defer rc.Close()
	h := (&App{Redis: rc, Window: time.Minute, TrustedProxyHops: 1}).Routes()
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/health", 200}, {"GET", "/", 302}, {"GET", "/nope", 404}, {"POST", "/home", 405},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
		if w.Code != tc.want {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, w.Code, tc.want)
		}
	}
}

// TestServedByNamesTheInstance: every answer carries the instance's name, one name per App
// (process), different between two of them; without a name there is no header.
func TestServedByNamesTheInstance(t *testing.T) {
	srv := startRedis(t)
	rc := NewRedisClient(srv.Addr())
	defer rc.Close()
	idRE := regexp.MustCompile(`^web-[0-9a-f]{12}$`)
	a, b := NewInstanceID(), NewInstanceID()
	if !idRE.MatchString(a) || !idRE.MatchString(b) || a == b {
		t.Fatalf("instance ids %q and %q: want two different web-<12 hex digits>", a, b)
	}
	h := (&App{Redis: rc, Window: time.Minute, TrustedProxyHops: 1, Instance: a}).Routes()
	for _, path := range []string{"/home", "/health", "/", "/nope"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if got := w.Header().Get(ServedByHeader); got != a {
			t.Errorf("GET %s: %s = %q, want %q", path, ServedByHeader, got, a)
		}
	}
	w := httptest.NewRecorder()
	(&App{Redis: rc, Window: time.Minute, TrustedProxyHops: 1}).Routes().ServeHTTP(w, httptest.NewRequest("GET", "/home", nil))
	if w.Code != 200 || len(w.Header().Values(ServedByHeader)) != 0 {
		t.Fatalf("without an instance name: %d, header %q", w.Code, w.Header().Values(ServedByHeader))
	}
}

// TestConcurrentVisitsLoseNothing sends many simultaneous requests for one client through a
// real HTTP server and a real Redis: every request must get a distinct count, 1..N.
func TestConcurrentVisitsLoseNothing(t *testing.T) {
	srv := startRedis(t)
	rc := NewRedisClient(srv.Addr())
	defer rc.Close()
	ts := httptest.NewServer((&App{Redis: rc, Window: time.Minute, TrustedProxyHops: 1}).Routes())
	defer ts.Close()

	const workers, perWorker = 32, 25
	counts := make(chan int, workers*perWorker)
	errs := make(chan error, workers*perWorker)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				req, _ := http.NewRequest("GET", ts.URL+"/home", nil)
				req.Header.Set("X-Forwarded-For", "192.0.2.77")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				m := countRE.FindSubmatch(body)
				if resp.StatusCode != 200 || m == nil {
					errs <- fmt.Errorf("status %d body %s", resp.StatusCode, body)
					continue
				}
				n, _ := strconv.Atoi(string(m[1]))
				counts <- n
			}
		}()
	}
	wg.Wait()
	close(counts)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var got []int
	for n := range counts {
		got = append(got, n)
	}
	sort.Ints(got)
	for i, n := range got {
		if n != i+1 {
			t.Fatalf("counts are not exactly 1..%d: position %d holds %d (an increment was lost or repeated)", workers*perWorker, i, n)
		}
	}
	final, err := rc.Int(bgctx(), "GET", "visits:192.0.2.77")
	if err != nil || final != workers*perWorker {
		t.Fatalf("final counter %d, %v; want %d", final, err, workers*perWorker)
	}
}

func TestHealthFollowsRedisRestart(t *testing.T) {
	srv := startRedis(t)
	rc := NewRedisClient(srv.Addr())
	defer rc.Close()
	ts := httptest.NewServer((&App{Redis: rc, Window: time.Minute, TrustedProxyHops: 1}).Routes())
	defer ts.Close()
	url := ts.URL + "/health"
	if err := Healthcheck(url, 3*time.Second); err != nil {
		t.Fatalf("healthy Redis: %v", err)
	}
	srv.Stop()
	if err := Healthcheck(url, 3*time.Second); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("stopped Redis: %v, want a 503", err)
	}
	srv.Start()
	if err := Healthcheck(url, 3*time.Second); err != nil {
		t.Fatalf("restarted Redis: %v", err)
	}
}

func TestHealthcheckModeExitCode(t *testing.T) {
	srv := startRedis(t)
	// Serve the real app on a real port and run the binary's health-check mode against it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	rc := NewRedisClient(srv.Addr())
	defer rc.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ln, (&App{Redis: rc, Window: time.Minute, TrustedProxyHops: 1}).Routes(), 5*time.Second)
	}()
	env := func(k string) string {
		if k == "PORT" {
			return port
		}
		return ""
	}
	var out, errb bytes.Buffer
	for _, arg := range []string{"-healthcheck", "healthcheck"} {
		if code := run([]string{arg}, env, &out, &errb); code != 0 {
			t.Fatalf("%s with healthy app: exit %d (%s)", arg, code, errb.String())
		}
	}
	srv.Stop()
	if code := run([]string{"-healthcheck"}, env, &out, &errb); code != 1 {
		t.Fatalf("-healthcheck with Redis down: exit %d, want 1", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"-healthcheck"}, env, &out, &errb); code != 1 {
		t.Fatalf("-healthcheck with no server: exit %d, want 1", code)
	}
}

// TestServeFinishesInFlightRequests: on shutdown (SIGTERM in main) the server stops
// accepting and lets a running request complete.
func TestServeFinishesInFlightRequests(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		time.Sleep(500 * time.Millisecond)
		w.Write([]byte("finished"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h, 5*time.Second) }()

	result := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/slow")
		if err != nil {
			result <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		result <- string(b)
	}()
	<-started
	cancel()
	if got := <-result; got != "finished" {
		t.Fatalf("in-flight request got %q", got)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("still accepting connections after shutdown")
	}
}

func TestLogRequestsOneLinePerRequest(t *testing.T) {
	var buf bytes.Buffer
	logger := log.New(&buf, "", 0)
	h := LogRequests(logger, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "teapot", http.StatusTeapot)
	}), 1)
	for i := 0; i < 3; i++ {
		r := httptest.NewRequest("GET", "/x", nil)
		r.Header.Set("X-Forwarded-For", "203.0.113.5")
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines for 3 requests: %q", len(lines), buf.String())
	}
	for _, l := range lines {
		if !strings.Contains(l, "client=203.0.113.5") || !strings.Contains(l, "status=418") || !strings.Contains(l, `path="/x"`) {
			t.Fatalf("log line %q", l)
		}
	}
}

// The service-discovery topology: web starts before (or while) Redis's Cloud Map name resolves to a
// running task. /health must answer 503 until Redis answers, so the target group keeps the task out,
// and turn 200 by itself once it does, also after Redis was replaced, with no restart of web.
func TestHealthIs503UntilRedisAnswersByName(t *testing.T) {
	// A name no resolver knows (RFC 6761 reserves .invalid), as before Cloud Map has an instance.
	rc := NewRedisClient("redis.internal-countweb.invalid:6379")
	defer rc.Close()
	h := (&App{Redis: rc, Window: time.Minute, TrustedProxyHops: 1}).Routes()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/health", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("/health with an unresolvable Redis name: %d, want 503", w.Code)
	}
}

func TestHealthRecoversWhenRedisComesBack(t *testing.T) {
	srv := startRedis(t)
	rc := NewRedisClient(srv.Addr())
	defer rc.Close()
	h := (&App{Redis: rc, Window: time.Minute, TrustedProxyHops: 1}).Routes()
	health := func() int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/health", nil))
		return w.Code
	}
	if code := health(); code != 200 {
		t.Fatalf("/health with Redis: %d, want 200", code)
	}
	srv.Stop() // the Redis task stops; its pooled connections are dead now
	if code := health(); code != http.StatusServiceUnavailable {
		t.Fatalf("/health with Redis stopped: %d, want 503", code)
	}
	srv.Start() // a new Redis task answers at the name again
	deadline := time.Now().Add(10 * time.Second)
	for health() != 200 {
		if time.Now().After(deadline) {
			t.Fatal("/health stayed unhealthy after Redis came back; want 200 without restarting web")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
