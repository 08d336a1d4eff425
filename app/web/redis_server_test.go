package main

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// testRedis is a real redis-server started by a test on a free loopback port.
type testRedis struct {
	t    *testing.T
	port int
	cmd  *exec.Cmd
}

func (r *testRedis) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

// startRedis starts redis-server on a free port, or skips the test (saying why) when
// redis-server is not installed. The server is stopped when the test ends.
func startRedis(t *testing.T) *testRedis {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed (apt-get install redis-server, or `make setup-host`); skipping the tests that need a real Redis")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := &testRedis{t: t, port: port}
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

// Start (re)starts the server on its port and waits until it answers PING.
func (r *testRedis) Start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.t.TempDir(), "--loglevel", "warning")
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	c := NewRedisClient(r.Addr())
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			r.Stop()
			r.t.Fatalf("redis-server on port %d did not answer PING within 10s: %v", r.port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the server and waits for it to exit.
func (r *testRedis) Stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	r.cmd.Process.Kill()
	r.cmd.Wait()
	r.cmd = nil
}

func mustDo(t *testing.T, c *RedisClient, args ...string) interface{} {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := c.Do(ctx, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

func TestRealRedisCommands(t *testing.T) {
	srv := startRedis(t)
	c := NewRedisClient(srv.Addr())
	defer c.Close()
	ctx := context.Background()

	if err := c.Ping(ctx); err != nil {
		t.Fatalf("PING: %v", err)
	}
	if v := mustDo(t, c, "SET", "k", "va\r\nlue"); v != "OK" {
		t.Fatalf("SET = %#v", v)
	}
	if v := mustDo(t, c, "GET", "k"); string(v.([]byte)) != "va\r\nlue" {
		t.Fatalf("GET = %#v", v)
	}
	if v := mustDo(t, c, "GET", "missing"); v.([]byte) != nil {
		t.Fatalf("GET missing = %#v, want nil bulk", v)
	}
	mustDo(t, c, "RPUSH", "l", "a", "b")
	if v := mustDo(t, c, "LRANGE", "l", "0", "-1").([]interface{}); len(v) != 2 || string(v[1].([]byte)) != "b" {
		t.Fatalf("LRANGE = %#v", v)
	}
	if _, err := c.Do(ctx, "NOSUCHCOMMAND"); err == nil {
		t.Fatal("an unknown command did not fail")
	} else if _, ok := err.(RedisError); !ok {
		t.Fatalf("error reply came back as %T (%v), want RedisError", err, err)
	}
	// The connection is still usable after an error reply.
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("PING after error reply: %v", err)
	}
	if _, err := c.Int(ctx, "GET", "missing"); err != ErrNil {
		t.Fatalf("Int on nil = %v, want ErrNil", err)
	}
}

func TestCountVisitStartsWindowOnFirstVisit(t *testing.T) {
	srv := startRedis(t)
	c := NewRedisClient(srv.Addr())
	defer c.Close()
	ctx := context.Background()
	for want := int64(1); want <= 3; want++ {
		n, err := c.CountVisit(ctx, "visits:test", time.Minute)
		if err != nil || n != want {
			t.Fatalf("CountVisit = %d, %v; want %d", n, err, want)
		}
	}
	ttl, err := c.Int(ctx, "TTL", "visits:test")
	if err != nil || ttl < 58 || ttl > 60 {
		t.Fatalf("TTL = %d, %v; want about 60 (the window starts at the first visit)", ttl, err)
	}
	// A counter left without expiry (e.g. by the lab's GET/SET app) gets one.
	mustDo(t, c, "SET", "visits:old", "7")
	if n, err := c.CountVisit(ctx, "visits:old", 30*time.Second); err != nil || n != 8 {
		t.Fatalf("CountVisit on old key = %d, %v", n, err)
	}
	if ttl, _ := c.Int(ctx, "TTL", "visits:old"); ttl < 28 || ttl > 30 {
		t.Fatalf("TTL of healed key = %d, want about 30", ttl)
	}
}

func TestCountVisitWindowExpires(t *testing.T) {
	srv := startRedis(t)
	c := NewRedisClient(srv.Addr())
	defer c.Close()
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if _, err := c.CountVisit(ctx, "visits:w", time.Second); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(2100 * time.Millisecond)
	if n, err := c.CountVisit(ctx, "visits:w", time.Second); err != nil || n != 1 {
		t.Fatalf("after the window: CountVisit = %d, %v; want 1", n, err)
	}
}

func TestReconnectAfterRedisRestart(t *testing.T) {
	srv := startRedis(t)
	c := NewRedisClient(srv.Addr())
	defer c.Close()
	ctx := context.Background()
	// Fill the pool with several idle connections.
	done := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() { done <- c.Ping(ctx) }()
	}
	for i := 0; i < 4; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	srv.Stop()
	if err := c.Ping(ctx); err == nil {
		t.Fatal("PING succeeded with Redis stopped")
	}
	srv.Start()
	// Every call must succeed at once: dead pooled connections are dropped, not reused.
	for i := 0; i < 8; i++ {
		if err := c.Ping(ctx); err != nil {
			t.Fatalf("PING %d after restart: %v", i, err)
		}
	}
}

func TestStalePooledConnectionIsRetriedOnce(t *testing.T) {
	srv := startRedis(t)
	c := NewRedisClient(srv.Addr())
	defer c.Close()
	ctx := context.Background()
	if err := c.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	// Redis closes our idle connection (as after a restart or its idle timeout).
	mustDo(t, c, "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no")
	if n, err := c.CountVisit(ctx, "visits:stale", time.Minute); err != nil || n != 1 {
		t.Fatalf("CountVisit on a killed pooled connection = %d, %v; want 1 (one retry on a fresh connection)", n, err)
	}
}

func ExampleRedisClient() {
	c := NewRedisClient("localhost:6379")
	defer c.Close()
	n, err := c.CountVisit(context.Background(), "visits:192.0.2.1", time.Minute)
	fmt.Println(n, err)
}
