// Command countweb is the lab's visit counter: GET /home greets the client by IP and shows
// how many times that IP visited within the counting window, kept in Redis.
//
// Environment: PORT (8000), REDIS_ADDR (localhost:6379), COUNT_WINDOW_SECONDS (60),
// TRUSTED_PROXY_HOPS (1), SHUTDOWN_TIMEOUT_SECONDS (25).
//
// Every answer carries X-Served-By: web-<12 hex digits>, a random name of this process that
// the startup log line also prints, so a client can tell which task answered.
//
// `countweb -healthcheck` (or `countweb healthcheck`) exits 0 when the server on
// 127.0.0.1:$PORT answers 200 on /health, for container health checks in an image that has
// no shell and no curl.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// Config is read from the environment.
type Config struct {
	Port             int
	RedisAddr        string
	Window           time.Duration
	TrustedProxyHops int
	ShutdownTimeout  time.Duration
}

func envInt(getenv func(string) string, name string, def, min, max int) (int, error) {
	v := getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		return 0, fmt.Errorf("%s=%q is not an integer between %d and %d; set it to one or unset it", name, v, min, max)
	}
	return n, nil
}

// LoadConfig reads and validates the configuration.
func LoadConfig(getenv func(string) string) (Config, error) {
	var c Config
	var err error
	if c.Port, err = envInt(getenv, "PORT", 8000, 1, 65535); err != nil {
		return c, err
	}
	win, err := envInt(getenv, "COUNT_WINDOW_SECONDS", 60, 1, 365*24*3600)
	if err != nil {
		return c, err
	}
	c.Window = time.Duration(win) * time.Second
	if c.TrustedProxyHops, err = envInt(getenv, "TRUSTED_PROXY_HOPS", 1, 0, 16); err != nil {
		return c, err
	}
	st, err := envInt(getenv, "SHUTDOWN_TIMEOUT_SECONDS", 25, 0, 3600)
	if err != nil {
		return c, err
	}
	c.ShutdownTimeout = time.Duration(st) * time.Second
	c.RedisAddr = getenv("REDIS_ADDR")
	if c.RedisAddr == "" {
		c.RedisAddr = "localhost:6379"
	}
	if _, _, err := net.SplitHostPort(c.RedisAddr); err != nil {
		return c, fmt.Errorf("REDIS_ADDR=%q is not host:port; set it like localhost:6379", c.RedisAddr)
	}
	return c, nil
}

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := LoadConfig(getenv)
	if err != nil {
		fmt.Fprintln(stderr, "countweb:", err)
		return 2
	}
	if len(args) > 0 {
		switch args[0] {
		case "-healthcheck", "--healthcheck", "healthcheck":
			if err := Healthcheck(fmt.Sprintf("http://127.0.0.1:%d/health", cfg.Port), 3*time.Second); err != nil {
				fmt.Fprintln(stderr, "countweb: unhealthy:", err)
				return 1
			}
			return 0
		default:
			fmt.Fprintf(stderr, "countweb: unknown argument %q; run it without arguments to serve, or with -healthcheck\n", args[0])
			return 2
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	ln, err := net.Listen("tcp", fmt.Sprintf(":%d", cfg.Port))
	if err != nil {
		fmt.Fprintln(stderr, "countweb:", err)
		return 1
	}
	rc := NewRedisClient(cfg.RedisAddr)
	defer rc.Close()
	logger := log.New(stdout, "", 0)
	app := &App{Redis: rc, Window: cfg.Window, TrustedProxyHops: cfg.TrustedProxyHops, Instance: NewInstanceID()}
	logger.Printf("msg=listening addr=%s redis=%s window=%s trusted_proxy_hops=%d instance=%s",
		ln.Addr(), cfg.RedisAddr, cfg.Window, cfg.TrustedProxyHops, app.Instance)
	if err := Serve(ctx, ln, LogRequests(logger, app.Routes(), cfg.TrustedProxyHops), cfg.ShutdownTimeout); err != nil {
		fmt.Fprintln(stderr, "countweb:", err)
		return 1
	}
	logger.Printf("msg=stopped")
	return 0
}

// Serve serves h on ln until ctx is done, then stops accepting connections and waits up to
// timeout for in-flight requests to finish (ECS sends SIGTERM, then SIGKILL after the
// container's stop timeout, 30 s by default).
func Serve(ctx context.Context, ln net.Listener, h http.Handler, timeout time.Duration) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       75 * time.Second, // above the ALB's default idle timeout (60 s)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}

// Healthcheck gets url and fails unless it answers 200.
func Healthcheck(url string, timeout time.Duration) error {
	client := &http.Client{Timeout: timeout}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", url, resp.StatusCode)
	}
	return nil
}
