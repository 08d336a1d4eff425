"""Test setup only: put in an emulator what the alb, task and service roles put there, so the
local roles can be tested on their own: target group D-web-tg, cluster D, task definition
family web-redis-task (web + redis, as the task role registers it), service web.

Usage: aws_fixture.py --endpoint http://127.0.0.1:5105 --deployment lrtest \
           --web-image IMG --redis-image IMG [--desired 2] [--env KEY=VALUE ...]
Rerunning with another --env registers a new revision and points the service at it.
"""
import argparse

import boto3


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--deployment", required=True)
    p.add_argument("--web-image", required=True)
    p.add_argument("--redis-image", required=True)
    p.add_argument("--desired", type=int, default=2)
    p.add_argument("--env", action="append", default=[])
    p.add_argument("--health-path", default="/health")
    a = p.parse_args()
    kw = dict(endpoint_url=a.endpoint, region_name="us-east-1",
              aws_access_key_id="testing", aws_secret_access_key="testing")
    ec2, elb, ecs = boto3.client("ec2", **kw), boto3.client("elbv2", **kw), boto3.client("ecs", **kw)
    d = a.deployment

    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [d + "-vpc"]}])["Vpcs"]
    vpc = vpcs[0]["VpcId"] if vpcs else ec2.create_vpc(
        CidrBlock="10.1.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": d + "-vpc"}]}])["Vpc"]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    subnet = subnets[0]["SubnetId"] if subnets else ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]

    sgs = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [d + "-tasks"]}])["SecurityGroups"]
    sg = sgs[0]["GroupId"] if sgs else ec2.create_security_group(
        GroupName=d + "-tasks", Description="tasks", VpcId=vpc)["GroupId"]

    tg_name = d + "-web-tg"
    try:
        tg = elb.describe_target_groups(Names=[tg_name])["TargetGroups"][0]
    except elb.exceptions.TargetGroupNotFoundException:
        tg = elb.create_target_group(
            Name=tg_name, Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip",
            HealthCheckPath=a.health_path, HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=3,
            HealthyThresholdCount=2, UnhealthyThresholdCount=2, Matcher={"HttpCode": "200"})["TargetGroups"][0]
        elb.modify_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"], Attributes=[
            {"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])

    if not ecs.describe_clusters(clusters=[d])["clusters"]:
        ecs.create_cluster(clusterName=d)

    env = [{"name": "REDIS_ADDR", "value": "localhost:6379"}]
    env += [{"name": k, "value": v} for k, v in (e.split("=", 1) for e in a.env)]
    containers = [
        {"name": "web", "image": a.web_image, "essential": True, "environment": env,
         "portMappings": [{"containerPort": 8000, "protocol": "tcp"}],
         "healthCheck": {"command": ["CMD", "/countweb", "-healthcheck"], "interval": 5, "timeout": 3,
                         "retries": 3, "startPeriod": 5},
         "dependsOn": [{"containerName": "redis", "condition": "HEALTHY"}]},
        {"name": "redis", "image": a.redis_image, "essential": True,
         "portMappings": [{"containerPort": 6379, "protocol": "tcp"}],
         "healthCheck": {"command": ["CMD", "/usr/bin/redis-cli", "ping"], "interval": 5, "timeout": 3, "retries": 3}},
    ]
    family = "web-redis-task"
    current = None
    arns = ecs.list_task_definitions(familyPrefix=family, sort="DESC")["taskDefinitionArns"]
    if arns:
        current = ecs.describe_task_definition(taskDefinition=arns[0])["taskDefinition"]
    if current is None or current["containerDefinitions"][0].get("environment") != env \
            or current["containerDefinitions"][0]["image"] != a.web_image:
        current = ecs.register_task_definition(
            family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=containers)["taskDefinition"]
    td = "%s:%d" % (family, current["revision"])

    services = [s for s in ecs.describe_services(cluster=d, services=["web"])["services"] if s["status"] == "ACTIVE"]
    if not services:
        ecs.create_service(cluster=d, serviceName="web", taskDefinition=td, desiredCount=a.desired,
                           launchType="FARGATE",
                           networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [sg], "assignPublicIp": "DISABLED"}},
                           loadBalancers=[{"targetGroupArn": tg["TargetGroupArn"], "containerName": "web",
                                           "containerPort": 8000}])
    else:
        ecs.update_service(cluster=d, service="web", taskDefinition=td, desiredCount=a.desired)
    print(td)


if __name__ == "__main__":
    main()
