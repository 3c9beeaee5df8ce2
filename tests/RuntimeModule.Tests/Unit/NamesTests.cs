using Federation.Common;

namespace Federation.RuntimeModule.Tests.Unit;

[TestFixture]
public sealed class NamesTests
{
    [TestCase("federation/testapp:dcbf8da804e3")]
    [TestCase("redis")]
    [TestCase("localhost:5000/team/app:v1.2")]
    [TestCase("registry.example.com/a/b/c@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [TestCase("my_app__x-y.z")]
    public void Well_formed_image_references_pass(string image) => Assert.DoesNotThrow(() => Names.CheckImageReference(image));

    [TestCase("", "empty")]
    [TestCase(" ", "empty")]
    [TestCase("Upper", "malformed")]
    [TestCase("a b", "malformed")]
    [TestCase("a:b:c", "malformed")]
    [TestCase("a@sha256:short", "malformed")]
    [TestCase("/leading", "malformed")]
    [TestCase("trailing/", "malformed")]
    public void Malformed_image_references_are_InvalidArgument(string image, string says)
    {
        var e = Assert.Throws<FederationException>(() => Names.CheckImageReference(image))!;
        Assert.That(e.Error, Is.EqualTo(FederationError.InvalidArgument));
        Assert.That(e.Message, Does.Contain(says));
    }

    [TestCase("round-1")]
    [TestCase("final.2026_11")]
    [TestCase("A")]
    public void Checkpoint_names_that_stay_one_directory_level_pass(string name) => Assert.DoesNotThrow(() => Names.CheckCheckpointName(name));

    [TestCase("..")]
    [TestCase("../x")]
    [TestCase("x/..")]
    [TestCase("a/b")]
    [TestCase("a\\b")]
    [TestCase(".hidden")]
    [TestCase("-dash")]
    [TestCase("")]
    [TestCase("sp ace")]
    public void Checkpoint_names_that_could_leave_the_directory_are_InvalidArgument(string name)
    {
        var e = Assert.Throws<FederationException>(() => Names.CheckCheckpointName(name))!;
        Assert.That(e.Error, Is.EqualTo(FederationError.InvalidArgument));
    }

    [Test]
    public void Checkpoint_names_longer_than_128_characters_are_refused() =>
        Assert.Throws<FederationException>(() => Names.CheckCheckpointName(new string('a', 129)));

    [TestCase("cart")]
    [TestCase("a")]
    [TestCase("shop-cart-2")]
    public void Dns_label_app_names_pass(string name) => Assert.DoesNotThrow(() => Names.CheckAppName(name));

    [TestCase("Cart")]
    [TestCase("-cart")]
    [TestCase("cart-")]
    [TestCase("shop/cart")]
    [TestCase("shop.cart")]
    public void Other_app_names_are_InvalidArgument(string name) =>
        Assert.That(Assert.Throws<FederationException>(() => Names.CheckAppName(name))!.Error, Is.EqualTo(FederationError.InvalidArgument));

    [Test]
    public void App_names_are_at_most_63_characters()
    {
        Assert.DoesNotThrow(() => Names.CheckAppName(new string('a', 63)));
        Assert.Throws<FederationException>(() => Names.CheckAppName(new string('a', 64)));
    }
}
