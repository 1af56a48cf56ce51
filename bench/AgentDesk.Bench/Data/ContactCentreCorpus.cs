using System.Globalization;

namespace AgentDesk.Bench.Data;

/// <summary>One generated memory, in the shape of a store item (agent id goes on the request).</summary>
public sealed record GeneratedMemory(
    string Content, string MemoryType, double Importance, IReadOnlyList<string>? Tags, string? SessionId, long CreatedAtUnixSeconds);

/// <summary>
/// Deterministic (seeded) contact-centre text: what a support bot would remember about billing,
/// refunds, routers, passwords and shipping — customer names, dates, amounts, order numbers —
/// and the 2–6 word questions an agent would recall them with. Same seed, same corpus, so runs on
/// different machines or revisions measure the same work.
/// </summary>
public sealed class ContactCentreCorpus(int seed)
{
    private readonly Random _random = new(seed);

    public static readonly string[] Topics = ["billing", "refunds", "routers", "passwords", "shipping"];

    private static readonly string[] FirstNames =
    [
        "Maria", "James", "Aisha", "Tom", "Chen", "Fatima", "Lukas", "Priya", "Diego", "Emma", "Kwame", "Sofia",
        "Noah", "Yuki", "Olga", "Rahul", "Grace", "Mateo", "Hannah", "Omar", "Ines", "Liam", "Zara", "Pieter",
    ];

    private static readonly string[] LastNames =
    [
        "Lopez", "Smith", "Khan", "Novak", "Wei", "Haddad", "Schmidt", "Patel", "Garcia", "Brown", "Mensah", "Rossi",
        "Dubois", "Tanaka", "Ivanova", "Singh", "O'Brien", "Fernandez", "Muller", "Hassan", "Silva", "Murphy", "Ahmed", "de Vries",
    ];

    private static readonly string[] Months =
        ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

    private static readonly string[] Carriers = ["DHL", "UPS", "FedEx", "Royal Mail", "PostNL", "DPD", "GLS"];
    private static readonly string[] Routers = ["Archer AX55", "Nighthawk R7000", "FritzBox 7590", "Deco X20", "HomeHub 3", "RT-AX58U"];
    private static readonly string[] Products = ["wireless headset", "4K monitor", "mesh router kit", "smart thermostat", "laptop dock", "USB-C charger", "webcam"];
    private static readonly string[] Plans = ["Basic", "Plus", "Premium", "Business", "Family"];
    private static readonly string[] Channels = ["chat", "phone", "email", "WhatsApp", "web form"];
    private static readonly string[] Moods = ["calm", "frustrated", "polite but impatient", "angry", "relieved", "confused", "anxious"];

    // Each topic: situations (what the customer said), actions (what the bot or agent did), outcomes.
    private static readonly Dictionary<string, (string[] Situations, string[] Actions, string[] Outcomes)> Templates = new()
    {
        ["billing"] = (
        [
            "{name} says the {month} invoice shows a duplicate charge of {amount} on the card ending {card}.",
            "{name} was billed {amount} for the {plan} plan although they downgraded on {date}.",
            "{name} disputes a late payment fee of {amount} added on {date}; autopay was enabled.",
            "{name} asks why the monthly bill went up from {amount} to {amount2} after the promotion ended.",
            "{name} cannot download the VAT invoice for order {order} from the billing portal.",
            "{name} reports that the direct debit failed twice and the account is now flagged as overdue.",
        ],
        [
            "Checked the billing history and found two authorisations for the same invoice.",
            "Explained the proration rules for mid-cycle plan changes.",
            "Opened a billing dispute ticket {ticket} with the finance team.",
            "Updated the payment method and retried the charge.",
            "Sent a copy of the invoice by email to the address on file.",
        ],
        [
            "Customer accepted a one-time credit of {amount} on the next bill.",
            "Finance will review the dispute within {days} business days.",
            "Customer still unhappy about the fee and asked for a supervisor.",
            "Issue resolved; the duplicate authorisation will drop off in {days} days.",
        ]),
        ["refunds"] = (
        [
            "{name} wants a refund of {amount} for a {product} returned on {date}.",
            "{name} was promised a refund for order {order} but nothing arrived after {days} days.",
            "{name} asks to cancel order {order} and get the {amount} back to the original card.",
            "{name} received a damaged {product} and wants a refund rather than a replacement.",
            "{name} says the refund for order {order} went to an expired card.",
        ],
        [
            "Verified the return was scanned at the warehouse on {date}.",
            "Raised refund request {ticket} for {amount}.",
            "Escalated to the returns team because the refund exceeds the chat agent limit.",
            "Offered store credit of {amount2} as an alternative.",
            "Checked the payment processor: the refund is pending settlement.",
        ],
        [
            "Refund should reach the account in {days} business days.",
            "Customer declined store credit and insists on a card refund.",
            "Promised a call back by {date} with the refund status.",
            "Refund confirmed; customer thanked the agent.",
        ]),
        ["routers"] = (
        [
            "{name} reports the {router} router drops the Wi-Fi connection every evening.",
            "{name} cannot get the {router} to connect after a firmware update on {date}.",
            "{name} says internet speed is {speed} Mbps instead of the {speed2} Mbps on the {plan} plan.",
            "{name} has a red light on the {router} and no internet since {date}.",
            "{name} wants to set up port forwarding on the {router} for a game console.",
        ],
        [
            "Walked the customer through a factory reset of the router.",
            "Ran a line test: noise margin low, possible fault outside the property.",
            "Changed the Wi-Fi channel from auto to 36 on the 5 GHz band.",
            "Booked an engineer visit for {date} between 8am and 1pm.",
            "Pushed the latest firmware remotely and rebooted the router.",
        ],
        [
            "Connection stable after the reset; speed test shows {speed} Mbps.",
            "Replacement {router} router will be shipped with {carrier}.",
            "Customer will monitor overnight and call back if the drops continue.",
            "Fault confirmed at the cabinet; network team ticket {ticket} opened.",
        ]),
        ["passwords"] = (
        [
            "{name} is locked out of the account after too many failed password attempts.",
            "{name} did not receive the password reset email sent to the address on file.",
            "{name} wants to change the account email because the old mailbox was closed.",
            "{name} reports a suspicious login from another country on {date}.",
            "{name} lost the phone used for two-factor authentication.",
        ],
        [
            "Verified identity with date of birth and the last four digits of the card {card}.",
            "Unlocked the account and sent a new password reset link.",
            "Disabled two-factor authentication temporarily after a security check.",
            "Forced a sign-out of all sessions and flagged the account for the security team.",
            "Explained the password rules: at least 12 characters with a number.",
        ],
        [
            "Customer logged in successfully and set a new password.",
            "Reset email landed in the spam folder; customer found it.",
            "Security team will contact the customer within {days} hours.",
            "Customer could not pass verification; asked to call back with the account number.",
        ]),
        ["shipping"] = (
        [
            "{name} says order {order} with {carrier} has not moved since {date}.",
            "{name} received the wrong item: a {product} instead of the one ordered.",
            "{name} wants to change the delivery address for order {order} to a neighbour.",
            "{name} asks for express delivery of a {product} before {date}.",
            "{name} reports the parcel was marked delivered but never arrived.",
        ],
        [
            "Opened a trace {ticket} with {carrier} for the missing parcel.",
            "Checked tracking: the parcel is held at the {carrier} depot awaiting customs.",
            "Arranged a replacement {product} with next-day shipping.",
            "Updated the delivery instructions and notified the warehouse.",
            "Refunded the express shipping fee of {amount}.",
        ],
        [
            "New delivery estimate is {date}.",
            "Customer will collect the parcel from the depot.",
            "Replacement ships today; tracking number sent by {channel}.",
            "Customer asked to be contacted by {channel} once the trace is complete.",
        ]),
    };

    private static readonly Dictionary<string, string[]> QueryWords = new()
    {
        ["billing"] = ["invoice", "duplicate charge", "late fee", "bill", "direct debit", "autopay", "overdue", "credit", "payment method", "VAT invoice", "plan price", "proration"],
        ["refunds"] = ["refund", "return", "store credit", "cancel order", "money back", "damaged", "refund status", "returned item", "expired card"],
        ["routers"] = ["router", "wifi", "wi-fi drops", "firmware update", "red light", "slow internet", "speed test", "engineer visit", "port forwarding", "factory reset"],
        ["passwords"] = ["password", "locked out", "reset email", "two-factor", "login", "suspicious login", "account email", "verification", "sign in"],
        ["shipping"] = ["delivery", "parcel", "tracking", "wrong item", "missing parcel", "courier", "express delivery", "delivery address", "customs"],
    };

    private static readonly string[] QueryLeadIns = ["", "", "", "what did we say about", "customer asking about", "last week", "yesterday", "how to fix", "status of", "did we promise"];

    public string CustomerName() => $"{Pick(FirstNames)} {Pick(LastNames)}";

    public string Topic() => Pick(Topics);

    /// <summary>One to three sentences: a situation, usually an action, sometimes an outcome.</summary>
    public string Content(string topic, string? customer = null)
    {
        var (situations, actions, outcomes) = Templates[topic];
        var parts = new List<string> { Fill(Pick(situations), customer ?? CustomerName()) };
        if (_random.NextDouble() < 0.8) parts.Add(Fill(Pick(actions), customer));
        if (_random.NextDouble() < 0.5) parts.Add(Fill(Pick(outcomes), customer));
        if (_random.NextDouble() < 0.15) parts.Add($"Contact via {Pick(Channels)}; customer sounded {Pick(Moods)}.");
        return string.Join(" ", parts);
    }

    /// <param name="nowUnixSeconds">Memories are spread over the 60 days before this.</param>
    /// <param name="sessionIds">Roughly 30% of memories go into one of these.</param>
    public GeneratedMemory Memory(long nowUnixSeconds, IReadOnlyList<string> sessionIds)
    {
        var topic = Topic();
        var tags = _random.NextDouble() < 0.4 ? TagsFor(topic) : null;
        var type = _random.NextDouble() switch { < 0.75 => "episodic", < 0.9 => "semantic", _ => "procedural" };
        var importance = Math.Round(0.3 + _random.NextDouble() * 0.6, 2);
        var session = sessionIds.Count > 0 && _random.NextDouble() < 0.3 ? Pick(sessionIds) : null;
        var createdAt = nowUnixSeconds - (long)(_random.NextDouble() * 60 * 86_400);
        return new GeneratedMemory(Content(topic), type, importance, tags, session, createdAt);
    }

    /// <summary>
    /// One customer conversation as its session holds it: one customer, mostly one topic, memories
    /// 10 s – 2 min apart from <paramref name="startUnixSeconds"/>. Importance is skewed low, as in a
    /// real desk (most notes are routine, a few matter: 60 % 0.30–0.55, 30 % 0.55–0.80, 10 % 0.80–0.95);
    /// about one memory in ten is an agent-level note kept outside the session.
    /// </summary>
    public IEnumerable<GeneratedMemory> Conversation(string sessionId, int length, long startUnixSeconds)
    {
        var customer = CustomerName();
        var topic = Topic();
        var at = startUnixSeconds;
        for (var i = 0; i < length; i++)
        {
            var memoryTopic = _random.NextDouble() < 0.85 ? topic : Topic();
            var tags = _random.NextDouble() < 0.4 ? TagsFor(memoryTopic) : null;
            var type = _random.NextDouble() switch { < 0.75 => "episodic", < 0.9 => "semantic", _ => "procedural" };
            var importance = _random.NextDouble() switch
            {
                < 0.6 => 0.30 + _random.NextDouble() * 0.25,
                < 0.9 => 0.55 + _random.NextDouble() * 0.25,
                _ => 0.80 + _random.NextDouble() * 0.15,
            };
            var session = _random.NextDouble() < 0.1 ? null : sessionId;
            at += _random.Next(10, 120);
            yield return new GeneratedMemory(Content(memoryTopic, customer), type, Math.Round(importance, 2), tags, session, at);
        }
    }

    private List<string> TagsFor(string topic)
    {
        var tags = new List<string> { topic };
        if (_random.NextDouble() < 0.3) tags.Add(Pick(["vip", "complaint", "follow-up", "escalated", "repeat-caller"]));
        if (_random.NextDouble() < 0.2) tags.Add("channel:" + Pick(Channels).ToLowerInvariant().Replace(' ', '-'));
        return tags;
    }

    /// <summary>A structured handoff summary in the rendered form of API.md (≤ 300 words).</summary>
    public string HandoffSummary(string customer) =>
        $"HANDOFF SUMMARY [HIGH]: {customer} wants a refund of {Amount()} for a mesh router kit returned on {Date()} " +
        $"and a working replacement router before the weekend. Situation: the refund for order {Order()} is pending and " +
        "the replacement Archer AX55 was sent to the old address. Tried: factory reset (no change); line test (noise margin low); " +
        $"refund request {Ticket()} raised (pending settlement). Commitments: the bot promised a call back within 24 hours. " +
        "Sentiment: frustrated — customer repeated the order number three times. Recommended action: confirm the refund date, " +
        "re-ship the router to the new address with express delivery, and call the customer back today.";

    /// <summary>2–6 words, like an agent or a bot would type; a few share nothing with the corpus.</summary>
    public string Query()
    {
        if (_random.NextDouble() < 0.05) return Pick(["gym membership cancel", "weather tomorrow", "pizza order status", "holiday opening hours schedule"]);
        var topic = Topic();
        var words = new List<string>();
        var lead = Pick(QueryLeadIns);
        if (lead.Length > 0) words.AddRange(lead.Split(' '));
        words.AddRange(Pick(QueryWords[topic]).Split(' '));
        var extra = _random.NextDouble();
        if (extra < 0.25) words.Add(Pick(FirstNames));
        else if (extra < 0.4) words.AddRange(Pick(QueryWords[Topic()]).Split(' '));
        else if (extra < 0.5) words.Add(Pick(Months));
        else if (extra < 0.6) words.Add(Pick(Carriers).Split(' ')[0]);
        while (words.Count < 2) words.AddRange(Pick(QueryWords[topic]).Split(' '));
        return string.Join(' ', words.Take(6));
    }

    private string Fill(string template, string? customer)
    {
        var text = template.Replace("{name}", customer ?? CustomerName());
        // Replace placeholders one at a time so two {amount}s in a sentence differ.
        while (text.IndexOf('{') is var open and >= 0)
        {
            var close = text.IndexOf('}', open);
            var key = text[(open + 1)..close];
            var value = key switch
            {
                "amount" or "amount2" => Amount(),
                "date" => Date(),
                "month" => Pick(Months),
                "order" => Order(),
                "ticket" => Ticket(),
                "card" => _random.Next(1000, 9999).ToString(CultureInfo.InvariantCulture),
                "days" => _random.Next(2, 15).ToString(CultureInfo.InvariantCulture),
                "plan" => Pick(Plans),
                "product" => Pick(Products),
                "router" => Pick(Routers),
                "carrier" => Pick(Carriers),
                "channel" => Pick(Channels),
                "speed" or "speed2" => (_random.Next(1, 50) * 10).ToString(CultureInfo.InvariantCulture),
                _ => key,
            };
            text = text[..open] + value + text[(close + 1)..];
        }
        return text;
    }

    private string Amount() => "$" + (_random.Next(500, 60_000) / 100.0).ToString("F2", CultureInfo.InvariantCulture);
    private string Date() => $"{Pick(Months)} {_random.Next(1, 29)}";
    private string Order() => "ORD-" + _random.Next(100_000, 999_999).ToString(CultureInfo.InvariantCulture);
    private string Ticket() => "TCK-" + _random.Next(10_000, 99_999).ToString(CultureInfo.InvariantCulture);
    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];
}
