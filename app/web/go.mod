module github.com/fargate-microservice/countweb

// Standard library only: the Go module proxy is not reachable where this is built and tested.
go 1.19
