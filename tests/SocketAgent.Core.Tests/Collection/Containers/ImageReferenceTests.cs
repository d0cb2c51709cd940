using SocketAgent.Collection.Containers;

namespace SocketAgent.Tests.Collection.Containers;

/// <summary>Image references as Docker and pod specs write them, split into ECS container.image.name and tag.</summary>
public sealed class ImageReferenceTests
{
    [Theory]
    [InlineData("nginx", "nginx", null)]
    [InlineData("nginx:1.27", "nginx", "1.27")]
    [InlineData("docker.io/library/busybox:latest", "docker.io/library/busybox", "latest")]
    [InlineData("registry:5000/team/app:2.0", "registry:5000/team/app", "2.0")]
    [InlineData("registry:5000/team/app", "registry:5000/team/app", null)]
    [InlineData("app@sha256:0123abcd", "app", null)]
    [InlineData("registry.k8s.io/coredns/coredns@sha256:a0ead06651cf580044aeb0a0feba63591858fb2e43ade8c9dea45a6a89ae7e5e", "registry.k8s.io/coredns/coredns", null)]
    [InlineData("ghcr.io/acme/envoy:v1.31.2@sha256:4c1d8f3e", "ghcr.io/acme/envoy", "v1.31.2")]
    [InlineData("[fd00::1]:5000/app:3", "[fd00::1]:5000/app", "3")]
    [InlineData("localhost:5000/app@sha256:abcd", "localhost:5000/app", null)]
    public void A_reference_splits_into_name_and_tag(string reference, string name, string? tag) =>
        Assert.Equal((name, tag), ImageReference.Split(reference));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("@sha256:abcd")]
    public void No_name_gives_nothing(string? reference) =>
        Assert.Equal((null, null), ImageReference.Split(reference));
}
