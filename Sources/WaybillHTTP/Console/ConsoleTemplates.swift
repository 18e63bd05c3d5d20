import Mustache

/// The console's pages as Mustache templates, compiled into the binary. `{{name}}` is
/// HTML-escaped by Mustache; the templates never use the unescaped `{{{…}}}` form except for
/// the server-rendered SVG charts, which are built from numbers and escaped labels.
enum ConsoleTemplates {
    static let top = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · Waybill</title><link rel="stylesheet" href="/ui/assets/console.css"></head>
        <body data-page="{{page}}">
        <header class="top"><span class="brand">Waybill</span>
        <nav aria-label="Console">{{#nav}}<a href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{label}}</a> {{/nav}}</nav>
        <span class="who" id="who">{{person.name}} · {{person.role}}</span>
        <form method="post" action="/ui/sign-out"><input type="hidden" name="csrf" value="{{csrf}}"><button class="secondary" type="submit">Sign out</button></form>
        </header>
        <main id="main">
        {{#flash}}<p class="notice" role="status">{{flash}}</p>{{/flash}}{{#error}}<p class="notice error" role="alert">{{error}}</p>{{/error}}
        """

    static let bottom = """
        </main><script src="/ui/assets/console.js"></script></body></html>
        """

    static let signIn = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Sign in · Waybill</title><link rel="stylesheet" href="/ui/assets/console.css"></head>
        <body data-page="sign-in"><main class="signin"><h1>Waybill console</h1>
        {{#error}}<p class="notice error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/ui/sign-in">
        <label for="token">Your access token<input id="token" name="token" type="password" autocomplete="current-password" required autofocus></label>
        <button type="submit" id="sign-in">Sign in</button></form>
        <p class="muted">The token is the one in the <code>users:</code> section of waybill.yml.</p></main></body></html>
        """

    static let overview = """
        {{> top}}
        <h1><span id="live-dot" class="live-dot" title="live updates"></span>Overview</h1>
        <section class="cards" aria-label="Live figures">
        <div class="card"><div class="figure" data-live="ingestRate" id="ingest-rate">{{figures.ingestRate}}</div><div class="label">events in / s</div></div>
        <div class="card"><div class="figure" data-live="deliveryRate">{{figures.deliveryRate}}</div><div class="label">deliveries out / s</div></div>
        <div class="card"><div class="figure" data-live="eventsTotal" id="events-total">{{figures.eventsTotal}}</div><div class="label">events ingested (this node)</div></div>
        <div class="card"><div class="figure" data-live="pending">{{figures.pending}}</div><div class="label">deliveries pending</div></div>
        <div class="card"><div class="figure" data-live="dead">{{figures.dead}}</div><div class="label">dead letters</div></div>
        <div class="card"><div class="figure" data-live="openExceptions" id="open-exceptions">{{figures.openExceptions}}</div><div class="label">open exceptions</div></div>
        </section>
        <div class="grid2">
        <section><h2>Subscriptions</h2>
        <table><thead><tr><th>Subscription</th><th>System</th><th>State</th><th class="num">Pending</th><th class="num">Oldest pending</th><th class="num">Dead</th></tr></thead><tbody>
        {{#subscriptions}}<tr><td><a href="/ui/deliveries?subscription={{name}}">{{name}}</a></td><td>{{system}}</td><td><span class="status {{state}}">{{state}}</span></td>
        <td class="num">{{pending}}</td><td class="num">{{oldest}}</td><td class="num">{{dead}}</td></tr>{{/subscriptions}}
        </tbody></table></section>
        <section><h2>Open exceptions by kind</h2>
        {{{exceptionChart}}}
        <table><thead><tr><th>Kind</th><th>Worked by</th><th class="num">Open</th></tr></thead><tbody>
        {{#exceptionKinds}}<tr><td><a href="/ui/exceptions?kind={{kind}}">{{kind}}</a></td><td>{{role}}</td><td class="num">{{count}}</td></tr>{{/exceptionKinds}}
        {{^exceptionKinds}}<tr><td colspan="3" class="muted">No open exceptions.</td></tr>{{/exceptionKinds}}
        </tbody></table></section>
        </div>
        <div class="grid2">
        <section><h2>Service levels</h2>
        <table id="slo"><thead><tr><th>Clock</th><th>Owner</th><th class="num">Target</th><th class="num">Open breaches</th><th class="num">Today avg / max</th><th class="num">30 days avg</th><th class="num">Burn (30 d avg ÷ target)</th><th>Status</th></tr></thead><tbody>
        {{#slos}}<tr><td><a href="/ui/exceptions?kind=slo">{{name}}</a></td><td>{{owner}}</td><td class="num">{{target}}</td><td class="num">{{open}}</td><td class="num">{{today}}</td><td class="num">{{month}}</td><td class="num">{{burn}}</td><td><span class="status {{status}}">{{status}}</span></td></tr>{{/slos}}
        </tbody></table></section>
        <section><h2>Business KPIs (last 30 days)</h2>
        <table id="kpis"><tbody>
        {{#kpis}}<tr><th>{{name}}</th><td class="num">{{value}}</td><td class="muted">{{note}}</td></tr>{{/kpis}}
        </tbody></table>
        {{{ackChart}}}
        </section></div>
        <h2>Ingest over the last minutes (this node)</h2>
        {{{rateChart}}}
        {{> bottom}}
        """

    static let orders = """
        {{> top}}
        <h1>Orders</h1>
        <form class="filters" method="get" action="/ui/orders" role="search">
        <label>Order id<input name="id" value="{{query.id}}"></label>
        <label>Customer<input name="customer" value="{{query.customer}}"></label>
        <label>PO<input name="po" value="{{query.po}}"></label>
        <label>Status<select name="status"><option value="">any</option>{{#statuses}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/statuses}}</select></label>
        <label>Updated since<input name="since" type="date" value="{{query.since}}"></label>
        <button type="submit">Search</button></form>
        <table><thead><tr><th>Order</th><th>Customer</th><th>PO</th><th>Status</th><th class="num">Total</th><th>Placed</th><th>Explanation</th></tr></thead><tbody>
        {{#orders}}<tr><td><a href="/ui/orders/{{id}}">{{id}}</a></td><td>{{customer}}</td><td>{{po}}</td><td><span class="status {{status}}">{{status}}</span></td>
        <td class="num">{{total}} {{currency}}</td><td>{{placed}}</td><td>{{explanation}}</td></tr>{{/orders}}
        {{^orders}}<tr><td colspan="7" class="muted">No order matches.</td></tr>{{/orders}}
        </tbody></table>
        {{#more}}<p><a href="{{more}}">Next page</a></p>{{/more}}
        {{> bottom}}
        """

    static let order = """
        {{> top}}
        <h1>Order {{order.id}} <span class="status {{order.status}}">{{order.status}}</span></h1>
        <p id="explanation">{{order.explanation}}</p>
        <table><tbody>
        <tr><th>Customer</th><td id="customer">{{order.customerName}} <span class="muted">({{order.customer}})</span></td><th>PO</th><td>{{order.po}}</td></tr>
        <tr><th>Placed</th><td>{{order.placed}} by {{order.origin}}</td><th>Total</th><td>{{order.total}} {{order.currency}} · invoiced {{order.invoiced}} · paid {{order.paid}}</td></tr>
        <tr><th>Trace</th><td class="mono">{{order.traceId}}</td><th>Ids in systems</th><td>{{#order.externalIds}}{{system}}: {{id}} {{/order.externalIds}}</td></tr>
        </tbody></table>
        {{#hasHolds}}<h2>Holds</h2>{{/hasHolds}}
        {{#holds}}<div class="actions"><span class="status {{stateClass}}">{{kind}} · {{state}}</span> <span>{{reason}}</span>
        {{#canRelease}}<form method="post" action="/ui/orders/{{order.id}}/release"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="hold" value="{{kind}}">
        <label>Note<input name="note" size="30"></label><button type="submit" id="release-{{kind}}">Release {{kind}} hold</button></form>{{/canRelease}}</div>{{/holds}}
        {{#hasValidations}}<h2>Validations</h2><table><thead><tr><th>Validation</th><th>Status</th><th>Fallback</th><th>Reason</th></tr></thead><tbody>{{/hasValidations}}
        {{#validations}}<tr><td>{{name}}</td><td><span class="status {{status}}">{{status}}</span></td><td>{{fallback}}</td><td>{{reason}}</td></tr>{{/validations}}
        {{#hasValidations}}</tbody></table>{{/hasValidations}}
        <h2>Lines</h2>
        <table><thead><tr><th>Line</th><th>SKU</th><th>UoM</th><th class="num">Price</th><th class="num">Ordered</th><th class="num">Allocated</th><th class="num">Backordered</th>
        <th class="num">Shipped</th><th class="num">Delivered</th><th class="num">Invoiced</th><th class="num">Returned</th><th class="num">Tax</th><th>Promised</th></tr></thead><tbody>
        {{#lines}}<tr><td>{{lineId}}</td><td>{{sku}}</td><td>{{uom}}</td><td class="num">{{price}}</td><td class="num">{{ordered}}</td><td class="num">{{allocated}}</td>
        <td class="num">{{backordered}}</td><td class="num">{{shipped}}</td><td class="num">{{delivered}}</td><td class="num">{{invoiced}}</td><td class="num">{{returned}}</td>
        <td class="num">{{tax}}</td><td>{{promise}}</td></tr>{{/lines}}
        </tbody></table>
        <div class="grid2"><section><h2>Shipments</h2><table><thead><tr><th>Shipment</th><th>Warehouse</th><th>Carrier</th><th>Tracking</th><th>Status</th></tr></thead><tbody>
        {{#shipments}}<tr><td>{{id}}</td><td>{{warehouse}}</td><td>{{carrier}}</td><td class="mono">{{tracking}}</td><td><span class="status">{{status}}</span></td></tr>{{/shipments}}
        {{^shipments}}<tr><td colspan="5" class="muted">None yet.</td></tr>{{/shipments}}</tbody></table></section>
        <section><h2>Invoices</h2><table><thead><tr><th>Invoice</th><th class="num">Total</th><th class="num">Paid</th><th class="num">Credited</th><th>Due</th></tr></thead><tbody>
        {{#invoices}}<tr><td>{{id}}</td><td class="num">{{total}}</td><td class="num">{{paid}}</td><td class="num">{{credited}}</td><td>{{due}}</td></tr>{{/invoices}}
        {{^invoices}}<tr><td colspan="5" class="muted">None yet.</td></tr>{{/invoices}}</tbody></table></section></div>
        <h2>What each system has been told</h2>
        <table id="sync-matrix"><thead><tr><th>Subscription</th><th>System</th><th class="num">Delivered</th><th class="num">Pending</th><th class="num">Dead</th><th>Last told</th><th>Behind</th></tr></thead><tbody>
        {{#systems}}<tr><td><a href="/ui/deliveries?subscription={{name}}&amp;order={{order.id}}">{{name}}</a></td><td>{{system}}</td><td class="num">{{delivered}}</td><td class="num">{{pending}}</td>
        <td class="num">{{dead}}</td><td>{{lastType}}</td><td><span class="status {{behindClass}}">{{behind}}</span></td></tr>{{/systems}}
        </tbody></table>
        <h2>Timeline</h2>
        <table id="timeline"><thead><tr><th class="num">#</th><th>Received</th><th>Event</th><th>From</th><th>Outcome</th><th>Deliveries (latency)</th></tr></thead><tbody>
        {{#timeline}}<tr><td class="num">{{seq}}</td><td>{{received}}</td><td>{{type}}</td><td>{{source}}</td><td>{{outcome}}</td>
        <td>{{#deliveries}}<span class="status {{status}}">{{subscription}} {{status}}{{#latency}} · {{latency}}{{/latency}}</span> {{/deliveries}}</td></tr>{{/timeline}}
        </tbody></table>
        {{> bottom}}
        """

    static let exceptions = """
        {{> top}}
        <h1>Exceptions · {{queueName}}</h1>
        <form class="filters" method="get" action="/ui/exceptions">
        <label>Kind<select name="kind"><option value="">all of mine</option>{{#kinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/kinds}}</select></label>
        <label>Status<select name="status"><option value="open"{{#open}} selected{{/open}}>open</option><option value="resolved"{{^open}} selected{{/open}}>resolved</option></select></label>
        <button type="submit">Filter</button></form>
        <table id="exception-queue"><thead><tr><th>#</th><th>Kind</th><th>Code</th><th>Order</th><th>Raised</th><th>Message</th><th>Status</th></tr></thead><tbody>
        {{#items}}<tr><td><a href="/ui/exceptions/{{id}}" id="exception-{{id}}">#{{id}}</a></td><td>{{kind}}</td><td class="mono">{{code}}</td>
        <td>{{#order}}<a href="/ui/orders/{{order}}">{{order}}</a>{{/order}}</td><td>{{raised}}</td><td>{{message}}</td><td><span class="status {{status}}">{{status}}</span></td></tr>{{/items}}
        {{^items}}<tr><td colspan="7" class="muted">Nothing in this queue.</td></tr>{{/items}}
        </tbody></table>
        {{> bottom}}
        """

    static let exception = """
        {{> top}}
        <h1>Exception #{{item.id}} <span class="status {{item.status}}">{{item.status}}</span></h1>
        <table><tbody>
        <tr><th>Kind</th><td>{{item.kind}} (worked by {{item.role}})</td><th>Code</th><td class="mono">{{item.code}}</td></tr>
        <tr><th>Order</th><td>{{#item.order}}<a href="/ui/orders/{{item.order}}">{{item.order}}</a>{{/item.order}}</td><th>Raised</th><td>{{item.raised}}</td></tr>
        <tr><th>Message</th><td colspan="3" id="exception-message">{{item.message}}</td></tr>
        {{#item.resolvedBy}}<tr><th>Resolved</th><td colspan="3">{{item.resolvedAt}} by {{item.resolvedBy}}</td></tr>{{/item.resolvedBy}}
        </tbody></table>
        {{#item.isOpen}}<h2>Act</h2>
        {{#releasable}}<form class="actions" method="post" action="/ui/orders/{{item.order}}/release"><input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="hold" value="{{releasable}}"><input type="hidden" name="back" value="/ui/exceptions/{{item.id}}">
        <label for="release-note">Note for the release<input id="release-note" name="note" size="40"></label>
        <button type="submit" id="release">Release the {{releasable}} hold</button></form>{{/releasable}}
        {{#reprocessable}}<form class="actions" method="post" action="/ui/exceptions/{{item.id}}/reprocess"><input type="hidden" name="csrf" value="{{csrf}}">
        <button type="submit" id="reprocess">Reprocess the refused event</button></form>{{/reprocessable}}
        <form class="actions" method="post" action="/ui/exceptions/{{item.id}}/resolve"><input type="hidden" name="csrf" value="{{csrf}}">
        <label for="resolve-note">Resolution note<textarea id="resolve-note" name="note" rows="2" cols="50"></textarea></label>
        <button type="submit" id="resolve">Resolve</button></form>{{/item.isOpen}}
        {{#cause}}<h2>Cause: event #{{seq}} ({{type}} from {{source}})</h2><pre id="cause">{{body}}</pre>{{/cause}}
        {{> bottom}}
        """

    static let deliveries = """
        {{> top}}
        <h1>Deliveries</h1>
        <form class="filters" method="get" action="/ui/deliveries">
        <label>Subscription<select name="subscription"><option value="">any</option>{{#subscriptionOptions}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/subscriptionOptions}}</select></label>
        <label>Status<select name="status"><option value="">any</option>{{#statusOptions}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/statusOptions}}</select></label>
        <label>Order<input name="order" value="{{query.order}}"></label>
        <label>Type<select name="type"><option value="">any</option>{{#typeOptions}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/typeOptions}}</select></label>
        <label>Attempts at least<input name="attempts" type="number" min="0" value="{{query.attempts}}" size="4"></label>
        <button type="submit">Filter</button>
        {{#canRetry}}<a href="/ui/deliveries/bulk-retry?{{queryString}}" id="bulk-retry">Bulk retry with this filter…</a>{{/canRetry}}</form>
        <table id="deliveries"><thead><tr><th>#</th><th>Subscription</th><th>Event</th><th>Order</th><th>Status</th><th class="num">Attempts</th><th>Last answer</th><th>Next attempt</th><th></th></tr></thead><tbody>
        {{#items}}<tr><td>{{#canInspect}}<a href="/ui/deliveries/{{id}}">{{id}}</a>{{/canInspect}}{{^canInspect}}{{id}}{{/canInspect}}</td><td>{{subscription}}</td><td>{{type}}</td>
        <td>{{#order}}<a href="/ui/orders/{{order}}">{{order}}</a>{{/order}}</td><td><span class="status {{status}}">{{status}}</span></td><td class="num">{{attempts}}</td>
        <td>{{code}} {{error}}</td><td>{{next}}</td>
        <td>{{#canRetry}}<form method="post" action="/ui/deliveries/{{id}}/retry"><input type="hidden" name="csrf" value="{{csrf}}"><button class="secondary" type="submit">Retry</button></form>{{/canRetry}}</td></tr>{{/items}}
        {{^items}}<tr><td colspan="9" class="muted">No delivery matches.</td></tr>{{/items}}
        </tbody></table>
        <h2>Subscriptions</h2>
        <table id="subscriptions"><thead><tr><th>Subscription</th><th>System</th><th>Adapter</th><th>State</th><th class="num">Pending</th><th class="num">Dead</th><th></th></tr></thead><tbody>
        {{#subscriptions}}<tr><td>{{name}}</td><td>{{system}}</td><td>{{adapter}}</td><td><span class="status {{state}}">{{state}}</span></td><td class="num">{{pending}}</td><td class="num">{{dead}}</td>
        <td>{{#canManage}}<form method="post" action="/ui/subscriptions/{{name}}/{{toggle}}"><input type="hidden" name="csrf" value="{{csrf}}"><button class="secondary" type="submit">{{toggleLabel}}</button></form>{{/canManage}}</td></tr>{{/subscriptions}}
        </tbody></table>
        {{> bottom}}
        """

    static let bulkRetry = """
        {{> top}}
        <h1>Bulk retry</h1>
        <p class="notice" id="bulk-count">This will retry <strong>{{count}}</strong> {{noun}}: {{filter}}.</p>
        <table><thead><tr><th>#</th><th>Subscription</th><th>Event</th><th>Order</th><th>Status</th><th class="num">Attempts</th></tr></thead><tbody>
        {{#sample}}<tr><td>{{id}}</td><td>{{subscription}}</td><td>{{type}}</td><td>{{order}}</td><td>{{status}}</td><td class="num">{{attempts}}</td></tr>{{/sample}}
        </tbody></table>{{#truncated}}<p class="muted">The first 50 of them are shown.</p>{{/truncated}}
        <form class="actions" method="post" action="/ui/deliveries/bulk-retry?{{queryString}}"><input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="expected" value="{{count}}">
        <button type="submit" id="confirm-bulk-retry"{{^count}} disabled{{/count}}>Retry these {{count}}</button> <a href="/ui/deliveries?{{queryString}}">Cancel</a></form>
        {{> bottom}}
        """

    static let delivery = """
        {{> top}}
        <h1>Delivery #{{item.id}} <span class="status {{item.status}}">{{item.status}}</span></h1>
        <table><tbody><tr><th>Subscription</th><td>{{item.subscription}}</td><th>Event</th><td>{{item.type}} #{{item.seq}}</td></tr>
        <tr><th>Attempts</th><td>{{item.attempts}}</td><th>Next attempt</th><td>{{item.next}}</td></tr></tbody></table>
        <h2>Request (the event as stored; each attempt adds its own traceparent)</h2><pre id="request">{{request}}</pre>
        <h2>Last answer</h2><pre id="answer">{{answer}}</pre>
        <form method="post" action="/ui/deliveries/{{item.id}}/retry"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Retry</button></form>
        {{> bottom}}
        """

    static let interchanges = """
        {{> top}}
        <h1>EDI interchanges</h1>
        <table><thead><tr><th>Partner</th><th class="num">Control</th><th>Set</th><th>Reference</th><th>Order</th><th>Sent</th><th>997 due</th><th>Status</th><th>Note</th></tr></thead><tbody>
        {{#items}}<tr><td>{{partner}}</td><td class="num">{{control}}</td><td>{{set}}</td><td>{{reference}}</td><td>{{#order}}<a href="/ui/orders/{{order}}">{{order}}</a>{{/order}}</td>
        <td>{{sent}}</td><td>{{due}}</td><td><span class="status {{statusClass}}">{{status}}</span></td><td>{{note}}</td></tr>{{/items}}
        {{^items}}<tr><td colspan="9" class="muted">No interchange yet.</td></tr>{{/items}}
        </tbody></table>
        {{> bottom}}
        """

    static let audit = """
        {{> top}}
        <h1>Audit log</h1>
        <table><thead><tr><th>When</th><th>Who</th><th>Action</th><th>Target</th><th>Detail</th></tr></thead><tbody>
        {{#items}}<tr><td>{{at}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{target}}</td><td>{{detail}}</td></tr>{{/items}}
        {{^items}}<tr><td colspan="5" class="muted">Nothing yet.</td></tr>{{/items}}
        </tbody></table>
        {{> bottom}}
        """

    static let problem = """
        {{> top}}
        <h1>{{heading}}</h1><p>{{detail}}</p><p><a href="/ui">Back to the overview</a></p>
        {{> bottom}}
        """

    /// Every template, parsed once; a template that does not parse is a programming error the
    /// console tests catch at once.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        let all: [(String, String)] = [
            ("top", top), ("bottom", bottom), ("sign-in", signIn), ("overview", overview), ("orders", orders), ("order", order),
            ("exceptions", exceptions), ("exception", exception), ("deliveries", deliveries), ("bulk-retry", bulkRetry), ("delivery", delivery),
            ("interchanges", interchanges), ("audit", audit), ("problem", problem),
        ]
        for (name, text) in all {
            do { try library.register(text, named: name) } catch { preconditionFailure("console template \(name) does not parse: \(error)") }
        }
        return library
    }()
}
