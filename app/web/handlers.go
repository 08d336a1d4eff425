package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"log"
	"net"
	"net/http"
	"strings"
	"time"
)

// App holds the handlers' dependencies.
type App struct {
	Redis            *RedisClient
	Window           time.Duration
	TrustedProxyHops int
	// Instance names this process in the X-Served-By response header (empty: no header).
	Instance string
}

// ServedByHeader names the process that answered. Each task counts in its own Redis (the lab's
// design), so a client behind a load balancer can only expect its count to rise between two
// answers from the same instance; verify compares counts per instance with this header.
const ServedByHeader = "X-Served-By"

// NewInstanceID returns a random name for this process, "web-" and 12 hex digits. It is random
// rather than the hostname so that the header discloses nothing about the network (on Fargate
// the hostname holds the task's private IP); the startup log line ties it to the container.
func NewInstanceID() string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return ""
	}
	return "web-" + hex.EncodeToString(b)
}

// Routes returns the HTTP handler of the app.
func (a *App) Routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/home", a.home)
	mux.HandleFunc("/health", a.health)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, "/home", http.StatusFound)
	})
	if a.Instance == "" {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(ServedByHeader, a.Instance)
		mux.ServeHTTP(w, r)
	})
}

// ClientIP returns the client's address. Each proxy in front of the app (the ALB, or HAProxy
// on the local target) appends the address it received the request from to X-Forwarded-For,
// so with hops trusted proxies the client is the hops-th entry from the RIGHT: entries further
// left were written by the client itself and can be forged. hops = 0 ignores the header.
// When the header is missing, too short or holds no valid IP there, the TCP peer is used.
func ClientIP(r *http.Request, hops int) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	if hops <= 0 {
		return peer
	}
	var entries []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		for _, e := range strings.Split(h, ",") {
			entries = append(entries, strings.TrimSpace(e))
		}
	}
	if len(entries) < hops {
		return peer
	}
	if ip := net.ParseIP(entries[len(entries)-hops]); ip != nil {
		return ip.String()
	}
	return peer
}

var homePage = template.Must(template.New("home").Parse(`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Counting App</title></head>
<body>
<h1>Counting App</h1>
<p>Hi, {{.IP}}</p>
<p>You access this website {{.Count}} time(s).</p>
</body>
</html>
`))

type homeData struct {
	IP    string
	Count int64
}

func (a *App) home(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ip := ClientIP(r, a.TrustedProxyHops)
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	n, err := a.Redis.CountVisit(ctx, "visits:"+ip, a.Window)
	if err != nil {
		log.Printf("msg=%q err=%q", "count failed", err.Error())
		http.Error(w, "the visit counter is unavailable, try again shortly", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	homePage.Execute(w, homeData{IP: ip, Count: n})
}

func (a *App) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := a.Redis.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("redis unavailable\n"))
		return
	}
	w.Write([]byte("ok\n"))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// LogRequests writes one line per request to logger (stdout: ECS ships it to CloudWatch).
func LogRequests(logger *log.Logger, next http.Handler, hops int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		logger.Printf("time=%s client=%s method=%s path=%q status=%d bytes=%d duration_ms=%.1f",
			start.UTC().Format(time.RFC3339Nano), ClientIP(r, hops), r.Method, r.URL.Path,
			rec.status, rec.bytes, float64(time.Since(start).Microseconds())/1000)
	})
}
