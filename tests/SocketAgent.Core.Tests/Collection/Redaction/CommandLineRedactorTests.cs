using CsCheck;
using SocketAgent.Model;
using SocketAgent.Collection.Redaction;

namespace SocketAgent.Tests.Collection.Redaction;

public class CommandLineRedactorTests
{
    private const string R = CommandLineRedactor.Mask;

    private static string[] Redact(params string[] args) => [.. CommandLineRedactor.Default.Redact(args)];

    // Real-world command lines as /proc/pid/cmdline gives them (one argument per '|'), and what must be written.
    [Theory]
    [InlineData("mysql|-uroot|-pS3cret!|-h|db|app", "mysql|-uroot|-p" + R + "|-h|db|app")]
    [InlineData("/usr/bin/mysqldump|--password=S3cret|--all-databases", "/usr/bin/mysqldump|--password=" + R + "|--all-databases")]
    [InlineData("mysql|-p|appdb", "mysql|-p|appdb")] // -p alone prompts; appdb is the database
    [InlineData("mariadb|--user=app|--password|S3cret", "mariadb|--user=app|--password|" + R)]
    [InlineData("docker|exec|-it|db|mysql|-uroot|-pS3cret", "docker|exec|-it|db|mysql|-uroot|-p" + R)]
    [InlineData("psql|postgresql://app:S3cret@db.example:5432/app?sslmode=require", "psql|postgresql://app:" + R + "@db.example:5432/app?sslmode=require")]
    [InlineData("psql|host=db user=app password=S3cret dbname=app", "psql|host=db user=app password=" + R + " dbname=app")]
    [InlineData("redis-cli|-h|cache|-a|S3cret|ping", "redis-cli|-h|cache|-a|" + R + "|ping")]
    [InlineData("redis-cli|-u|redis://:S3cret@cache:6379/0", "redis-cli|-u|redis://:" + R + "@cache:6379/0")]
    [InlineData("curl|-H|Authorization: Bearer eyJhbGciOi.abc.def|https://api.example/v1", "curl|-H|Authorization: Bearer " + R + "|https://api.example/v1")]
    [InlineData("curl|-H|X-Api-Key: k-123|https://api.example", "curl|-H|X-Api-Key: " + R + "|https://api.example")]
    [InlineData("curl|-u|alice:S3cret|https://example.com", "curl|-u|alice:" + R + "|https://example.com")]
    [InlineData("curl|--user=alice:S3cret|https://example.com", "curl|--user=alice:" + R + "|https://example.com")]
    [InlineData("curl|-s|https://example.com/cb?access_token=abc123&state=x", "curl|-s|https://example.com/cb?access_token=" + R + "&state=x")]
    [InlineData("java|-Djavax.net.ssl.keyStorePassword=changeit|-Dpassword=S3cret|-jar|app.jar", "java|-Djavax.net.ssl.keyStorePassword=" + R + "|-Dpassword=" + R + "|-jar|app.jar")]
    [InlineData("docker|run|-e|POSTGRES_PASSWORD=S3cret|-e|PGDATA=/data|postgres", "docker|run|-e|POSTGRES_PASSWORD=" + R + "|-e|PGDATA=/data|postgres")]
    [InlineData("docker|run|--env=API_TOKEN=t0k|img", "docker|run|--env=API_TOKEN=" + R + "|img")]
    [InlineData("node|server.js|--token=ghp_abcdef|--port=3000", "node|server.js|--token=" + R + "|--port=3000")]
    [InlineData("env|AWS_ACCESS_KEY_ID=AKIAEXAMPLE|AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG|aws|s3|ls", "env|AWS_ACCESS_KEY_ID=AKIAEXAMPLE|AWS_SECRET_ACCESS_KEY=" + R + "|aws|s3|ls")]
    [InlineData("aws|configure|set|aws_secret_access_key|x|--profile|p", "aws|configure|set|aws_secret_access_key|x|--profile|p")] // positional: not recognisable
    [InlineData("app|--client-secret|abc|--db-password=pw|--api-key|k1", "app|--client-secret|" + R + "|--db-password=" + R + "|--api-key|" + R)]
    [InlineData("sshpass|-p|S3cret|ssh|host", "sshpass|-p|" + R + "|ssh|host")]
    [InlineData("mongosh|-u|admin|-p|S3cret", "mongosh|-u|admin|-p|" + R)]
    [InlineData("openssl|pkcs12|-passin|pass:S3cret|-in|a.p12", "openssl|pkcs12|-passin|pass:" + R + "|-in|a.p12")]
    [InlineData("sh|-c|mysql -uroot -pS3cret app < dump.sql", "sh|-c|mysql -uroot -p" + R + " app < dump.sql")]
    [InlineData("bash|-c|curl -H 'Authorization: Bearer tok123' https://x", "bash|-c|curl -H 'Authorization: Bearer " + R + "' https://x")]
    [InlineData("mount.cifs|//srv/share|/mnt|-o|username=bob,password=S3cret,vers=3.0", "mount.cifs|//srv/share|/mnt|-o|username=bob,password=" + R + ",vers=3.0")]
    [InlineData("git|clone|https://oauth2:glpat-xyz@gitlab.example/g/p.git", "git|clone|https://oauth2:" + R + "@gitlab.example/g/p.git")]
    [InlineData("helm|install|x|--set|auth.password=S3cret", "helm|install|x|--set|auth.password=" + R)]
    [InlineData("vault|login|-method=userpass|username=bob|password=S3cret", "vault|login|-method=userpass|username=bob|password=" + R)]
    public void RealWorld(string input, string expected)
    {
        Assert.Equal(expected.Split('|'), Redact(input.Split('|')));
    }

    // Innocent arguments that look a bit like secrets must pass unchanged.
    [Theory]
    [InlineData("ssh|-p|2222|host")]
    [InlineData("ssh|-p2222|host")]
    [InlineData("nc|-l|-p|8080")]
    [InlineData("docker|run|-p|8080:80|nginx")]
    [InlineData("sshd|--passwordless")]
    [InlineData("app|--passwordless|--password-file=/run/secrets/db")]
    [InlineData("psql|--no-password|-h|db")]
    [InlineData("llm|--max-tokens|100|--tokenizer=bert")]
    [InlineData("cat|/var/lib/kubelet/pods/x/volumes/token|/home/u/.config/gh/token.json")]
    [InlineData("app|--token-file|/run/secrets/token")]
    [InlineData("bash|-c|cd $PWD && make")]
    [InlineData("env|PWD=/home/u|OLDPWD=/tmp|make")]
    [InlineData("python3|-m|http.server|--bind|127.0.0.1")]
    [InlineData("mongod|--auth|--port|27017")]
    [InlineData("curl|-u|alice|https://example.com")]
    [InlineData("curl|https://example.com/a@b")]
    [InlineData("nginx: worker process")]
    [InlineData("sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups")]
    [InlineData("java|-Xmx2g|-Dfile.encoding=UTF-8|-jar|a.jar")]
    public void Innocent_Unchanged(string input)
    {
        string[] args = input.Split('|');
        IReadOnlyList<string> result = CommandLineRedactor.Default.Redact(args);

        Assert.Same(args, result);
    }

    [Fact]
    public void ProcessInfo_CopyWithRequotedCommandLine_OrSameInstance()
    {
        var process = new ProcessInfo { Pid = 7, Name = "mysql", Args = ["mysql", "-pa b'c", "db"], CommandLine = "mysql '-pa b'\\''c' db", Uid = 3, Cgroup = new CgroupIdentity { ContainerId = "c" } };

        ProcessInfo redacted = CommandLineRedactor.Default.Redact(process);

        Assert.Equal(["mysql", "-p" + R, "db"], redacted.Args);
        Assert.Equal("mysql '-p[REDACTED]' db", redacted.CommandLine);
        Assert.Equal(7, redacted.Pid);
        Assert.Equal("c", redacted.ContainerId);
        Assert.Same(TestProcess, CommandLineRedactor.Default.Redact(TestProcess));
    }

    private static readonly ProcessInfo TestProcess = new() { Pid = 1, Name = "x", Args = ["x", "--port", "1"], CommandLine = "x --port 1" };

    [Fact]
    public void Disabled_RedactsNothing()
    {
        string[] args = ["mysql", "-pS3cret"];

        Assert.Same(args, CommandLineRedactor.Disabled.Redact(args));
        Assert.False(CommandLineRedactor.Disabled.IsEnabled);
    }

    [Fact]
    public void ExtraFlags_AndPatterns()
    {
        var redactor = new CommandLineRedactor(new CommandLineRedactionOptions
        {
            ExtraFlags = ["--vault-key", "-k"],
            ExtraPatterns = [@"(?i)pin=(?<secret>\d+)", "sk_live_[A-Za-z0-9]+"],
        });

        Assert.Equal(["app", "--vault-key", R, "-k", R, "-k" + R, "pin=" + R + "&x=1", "key " + R],
            redactor.Redact(["app", "--vault-key", "v", "-k", "w", "-kXYZ", "pin=1234&x=1", "key sk_live_abc"]));
    }

    [Fact]
    public void InvalidPattern_IsRefusedWithItsText()
    {
        ArgumentException ex = Assert.ThrowsAny<ArgumentException>(() => new CommandLineRedactor(new CommandLineRedactionOptions { ExtraPatterns = ["(unclosed"] }));

        Assert.Contains("(unclosed", ex.Message);
    }

    private static readonly Gen<string> s_secret = Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"].Array[12, 24].Select(c => "Z" + new string(c));

    // {0} is the secret.
    private static readonly string[][] s_templates =
    [
        ["mysql", "-p{0}"], ["mysql", "--password={0}"], ["app", "--password", "{0}"], ["app", "--token={0}"], ["app", "--api-key", "{0}"],
        ["psql", "postgres://u:{0}@h/db"], ["redis-cli", "-a", "{0}"], ["curl", "-H", "Authorization: Bearer {0}"], ["curl", "-u", "me:{0}"],
        ["java", "-Ddb.password={0}"], ["docker", "run", "-e", "DB_PASSWORD={0}"], ["env", "GITHUB_TOKEN={0}", "gh"], ["x", "https://a.b/?token={0}&y=1"],
        ["sh", "-c", "mysql -p{0} db"], ["app", "--client-secret", "{0}"], ["sshpass", "-p", "{0}", "ssh", "h"], ["app", "host=h password={0} port=1"],
    ];

    [Fact]
    public void Property_KnownSecretsNeverSurvive_CountKept()
    {
        Gen.Select(Gen.Int[0, s_templates.Length - 1], s_secret, Gen.String.Array[0, 4], Gen.Bool).Sample((template, secret, noise, noiseFirst) =>
        {
            string[] core = [.. s_templates[template].Select(t => string.Format(System.Globalization.CultureInfo.InvariantCulture, t, secret))];
            // Noise after the template, so it cannot stand between a flag and its value.
            string[] args = noiseFirst ? [.. noise.Select(n => n.Replace(secret, "", StringComparison.Ordinal)), .. core] : [.. core, .. noise];
            IReadOnlyList<string> result = CommandLineRedactor.Default.Redact(args);

            Assert.Equal(args.Length, result.Count);
            Assert.DoesNotContain(result, a => a.Contains(secret, StringComparison.Ordinal));
        }, iter: 2000);
    }

    [Fact]
    public void Property_AnyInput_NeverThrows_CountKept()
    {
        Gen<string> nasty = Gen.OneOf(Gen.String, Gen.Char["-=:@/ '\"&;,?#abpuPAU"].Array[0, 30].Select(c => new string(c)));
        Gen.OneOf(Gen.Const("mysql"), Gen.Const("curl"), Gen.Const("redis-cli"), nasty).Select(nasty.Array[0, 8], (first, rest) => (string[])[first, .. rest]).Sample(args =>
        {
            IReadOnlyList<string> result = CommandLineRedactor.Default.Redact(args);

            Assert.Equal(args.Length, result.Count);
            Assert.All(result, Assert.NotNull);
            // Idempotent: redacting twice changes nothing more.
            Assert.Equal(result, CommandLineRedactor.Default.Redact(result));
        }, iter: 3000);
    }
}
