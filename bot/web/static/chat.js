/*
 * Chat calcinosi tumorale.
 *
 * Sicurezza: il contenuto dei messaggi non passa MAI da innerHTML. Il testo dell'utente
 * e' sempre inserito come testo; quello del bot passa da un piccolo renderer Markdown
 * (paragrafi, **grassetto**, *corsivo*, elenchi, [link](https://...)) che costruisce
 * nodi DOM con createElement/createTextNode. Link solo http/https.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "calcinosi.sender";
  var SENDER_RE = /^[A-Za-z0-9_-]{1,128}$/;
  var MAX_CHARS = 2000;
  var TIMEOUT_MS = 70000;

  var ERR_GENERIC =
    "Non è stato possibile inviare il messaggio. Controlla la connessione e riprova.";
  var KEPT = "Il tuo messaggio è rimasto nel campo qui sotto: puoi inviarlo di nuovo.";
  var ERR_EMPTY_REPLY = "Non ho ricevuto una risposta. Prova a riformulare la domanda.";
  var ERR_TOO_LONG =
    "Il messaggio è troppo lungo (massimo " + MAX_CHARS + " caratteri). " +
    "Prova a dividerlo in domande più brevi.";

  // ------------------------------------------------------------------ identificativo

  function randomId() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") {
      return c.randomUUID();
    }
    // Contesti non sicuri (http su rete locale): UUID v4 da getRandomValues.
    var b = new Uint8Array(16);
    c.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) {
      return (x + 0x100).toString(16).slice(1);
    }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" +
      h.slice(16, 20) + "-" + h.slice(20);
  }

  var memorySender = null;

  function getSender() {
    try {
      var s = window.localStorage.getItem(STORAGE_KEY);
      if (s && SENDER_RE.test(s)) {
        return s;
      }
      s = randomId();
      window.localStorage.setItem(STORAGE_KEY, s);
      return s;
    } catch (e) {
      // localStorage non disponibile (navigazione privata rigida): id per questa pagina.
      if (!memorySender) {
        memorySender = randomId();
      }
      return memorySender;
    }
  }

  // ------------------------------------------------------------------ Markdown sicuro

  function safeUrl(raw) {
    try {
      var u = new URL(raw);
      if (u.protocol === "http:" || u.protocol === "https:") {
        return u.href;
      }
    } catch (e) {
      /* URL non valido o relativo: niente link */
    }
    return null;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function makeLink(href, parent) {
    var a = document.createElement("a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    parent.appendChild(a);
    return a;
  }

  var RE_ESCAPE = /\\([\\`*_[\]()#+\-.!>])/y;
  var RE_LINK = /\[([^\]\n]+)\]\(\s*<?([^\s<>()]+)>?(?:\s+"[^"\n]*")?\s*\)/y;
  var RE_STRONG = /(\*\*|__)(?=\S)([\s\S]*?\S)\1/y;
  var RE_EM_STAR = /\*(?=[^\s*])([\s\S]*?[^\s*])\*(?!\*)/y;
  var RE_EM_UNDER = /_(?=[^\s_])([^_\n]*?[^\s_])_(?![\p{L}\p{N}])/uy;
  var RE_CODE = /`([^`\n]+)`/y;
  var RE_URL = /https?:\/\/[^\s<>"«»]+/y;
  var RE_WORDCHAR = /[\p{L}\p{N}]/u;
  var RE_URL_TAIL = /[.,;:!?)'’]+$/;

  function at(re, text, i) {
    re.lastIndex = i;
    return re.exec(text);
  }

  /* Inline: grassetto, corsivo, codice, link. Scrive solo nodi di testo ed elementi. */
  function appendInline(parent, text, inLink) {
    var buf = "";
    var i = 0;
    var m;

    function flush() {
      if (buf) {
        parent.appendChild(document.createTextNode(buf));
        buf = "";
      }
    }

    while (i < text.length) {
      var ch = text.charAt(i);
      if (ch === "\\" && (m = at(RE_ESCAPE, text, i))) {
        buf += m[1];
        i += m[0].length;
        continue;
      }
      if (ch === "[" && (m = at(RE_LINK, text, i))) {
        flush();
        var href = inLink ? null : safeUrl(m[2]);
        if (href) {
          appendInline(makeLink(href, parent), m[1], true);
        } else {
          appendInline(parent, m[1], inLink);
        }
        i += m[0].length;
        continue;
      }
      if ((ch === "*" || ch === "_") && (m = at(RE_STRONG, text, i))) {
        flush();
        appendInline(parent.appendChild(el("strong")), m[2], inLink);
        i += m[0].length;
        continue;
      }
      if (ch === "*" && (m = at(RE_EM_STAR, text, i))) {
        flush();
        appendInline(parent.appendChild(el("em")), m[1], inLink);
        i += m[0].length;
        continue;
      }
      if (ch === "_" && (i === 0 || !RE_WORDCHAR.test(text.charAt(i - 1))) &&
          (m = at(RE_EM_UNDER, text, i))) {
        flush();
        appendInline(parent.appendChild(el("em")), m[1], inLink);
        i += m[0].length;
        continue;
      }
      if (ch === "`" && (m = at(RE_CODE, text, i))) {
        flush();
        parent.appendChild(el("code", null, m[1]));
        i += m[0].length;
        continue;
      }
      if (!inLink && ch === "h" && (i === 0 || !RE_WORDCHAR.test(text.charAt(i - 1))) &&
          (m = at(RE_URL, text, i))) {
        var url = m[0].replace(RE_URL_TAIL, "");
        var safe = safeUrl(url);
        if (safe) {
          flush();
          makeLink(safe, parent).textContent = url;
          i += url.length;
          continue;
        }
      }
      buf += ch;
      i += 1;
    }
    flush();
  }

  function appendLines(parent, lines) {
    lines.forEach(function (line, n) {
      if (n > 0) {
        parent.appendChild(document.createElement("br"));
      }
      appendInline(parent, line, false);
    });
  }

  var RE_BULLET = /^\s{0,3}[-*+•]\s+(\S.*)$/;
  var RE_ORDERED = /^\s{0,3}(\d{1,9})[.)]\s+(\S.*)$/;
  var RE_HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
  var RE_CONTINUATION = /^\s{2,}\S/;

  /* Blocchi: paragrafi, elenchi puntati e numerati, titoletti. Restituisce un fragment. */
  function renderMarkdown(source) {
    var frag = document.createDocumentFragment();
    var lines = String(source).replace(/\r\n?/g, "\n").split("\n");
    var para = null; // righe del paragrafo corrente
    var list = null; // {node, ordered, items: [righe dell'ultimo elemento]}

    function closePara() {
      if (para) {
        appendLines(frag.appendChild(el("p")), para);
        para = null;
      }
    }
    function closeItem() {
      if (list && list.item) {
        appendLines(list.node.appendChild(el("li")), list.item);
        list.item = null;
      }
    }
    function closeList() {
      closeItem();
      if (list) {
        frag.appendChild(list.node);
        list = null;
      }
    }

    lines.forEach(function (line) {
      var m;
      if (!line.trim()) {
        closePara();
        closeList();
        return;
      }
      if ((m = RE_BULLET.exec(line)) || (m = RE_ORDERED.exec(line))) {
        var ordered = m.length === 3;
        closePara();
        if (list && list.ordered !== ordered) {
          closeList();
        }
        if (!list) {
          list = { node: el(ordered ? "ol" : "ul"), ordered: ordered, item: null };
          if (ordered && m[1] !== "1") {
            list.node.start = parseInt(m[1], 10);
          }
        }
        closeItem();
        list.item = [ordered ? m[2] : m[1]];
        return;
      }
      if (list && list.item && RE_CONTINUATION.test(line)) {
        list.item.push(line.trim());
        return;
      }
      if ((m = RE_HEADING.exec(line))) {
        closePara();
        closeList();
        appendInline(frag.appendChild(el("p", "titoletto")), m[1], false);
        return;
      }
      closeList();
      if (!para) {
        para = [];
      }
      para.push(line.trim());
    });
    closePara();
    closeList();
    return frag;
  }

  // ------------------------------------------------------------------ interfaccia

  var sender;
  var busy = false;
  var log, conversation, typing, status, form, input, sendButton, welcome;

  var TYPING_TEXT = "L'assistente sta scrivendo…";

  function scrollToBottom() {
    conversation.scrollTop = conversation.scrollHeight;
  }

  function hideWelcome() {
    if (welcome) {
      welcome.hidden = true;
    }
  }

  function setBusy(value) {
    busy = value;
    sendButton.setAttribute("aria-disabled", value ? "true" : "false");
    var choices = log.querySelectorAll(".scelta");
    for (var i = 0; i < choices.length; i += 1) {
      choices[i].setAttribute("aria-disabled", value ? "true" : "false");
    }
    typing.hidden = !value;
    // L'indicatore visivo e' nascosto ai lettori di schermo: lo annuncia la regione
    // di stato, sempre presente (una regione live che compare da nascosta spesso tace).
    status.textContent = value ? TYPING_TEXT : "";
    if (value) {
      scrollToBottom();
    }
  }

  function addUserMessage(text) {
    hideWelcome();
    var node = el("div", "msg msg--utente", text);
    node.dataset.ruolo = "utente";
    log.appendChild(node);
    scrollToBottom();
    return node;
  }

  function addError(text, retry) {
    var node = el("div", "msg msg--errore");
    node.dataset.ruolo = "errore";
    node.appendChild(el("p", null, text));
    if (retry) {
      var b = el("button", "riprova", "Riprova");
      b.type = "button";
      b.addEventListener("click", retry);
      node.appendChild(b);
    }
    log.appendChild(node);
    scrollToBottom();
    return node;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";

  function svg(tag, attrs) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) {
      node.setAttribute(k, attrs[k]);
    });
    return node;
  }

  /* Icona calendario disegnata qui (nessuna emoji: non tutti i sistemi hanno il font). */
  function calendarIcon() {
    var icon = svg("svg", {
      viewBox: "0 0 24 24", width: "20", height: "20", "aria-hidden": "true",
      focusable: "false", class: "icona",
    });
    icon.appendChild(svg("rect", { x: "3", y: "5", width: "18", height: "16", rx: "2" }));
    icon.appendChild(svg("path", { d: "M3 10h18M8 3v4M16 3v4" }));
    icon.appendChild(svg("path", { d: "M11 15h2v2h-2z", class: "pieno" }));
    return icon;
  }

  function calendarLink() {
    var a = el("a", "calendario");
    a.href = "api/calendario/" + encodeURIComponent(sender) + ".ics";
    a.setAttribute("download", "esami-calcinosi.ics");
    a.appendChild(calendarIcon());
    a.appendChild(document.createTextNode("Aggiungi al calendario"));
    return a;
  }

  /*
   * Promemoria anche per SMS: sotto la conferma dei promemoria (custom.sms, solo quando il
   * centro ha attivato gli SMS) un piccolo modulo con il numero e il consenso esplicito.
   * I testi arrivano dal bot (content/it/promemoria.yml); il numero va solo a api/sms.
   */
  var smsForms = 0;

  function smsForm(offer) {
    smsForms += 1;
    var id = "sms-" + smsForms;
    var form = el("form", "sms");
    form.setAttribute("aria-label", "Promemoria per SMS");
    form.noValidate = true;
    var question = el("p", "sms__domanda", String(offer.domanda || ""));
    var label = el("label", "sms__etichetta", "Numero di cellulare");
    label.htmlFor = id + "-numero";
    var number = el("input", "sms__numero");
    number.id = id + "-numero";
    number.type = "tel";
    number.autocomplete = "tel";
    number.inputMode = "tel";
    number.maxLength = 20;
    var consentBox = el("div", "sms__consenso");
    var consent = el("input");
    consent.type = "checkbox";
    consent.id = id + "-consenso";
    var consentLabel = el("label", null, String(offer.consenso || ""));
    consentLabel.htmlFor = consent.id;
    consentBox.appendChild(consent);
    consentBox.appendChild(consentLabel);
    var button = el("button", "scelta", "Ricevi per SMS");
    button.type = "submit";
    var status = el("p", "sms__esito");
    status.setAttribute("role", "status");
    form.appendChild(question);
    form.appendChild(label);
    form.appendChild(number);
    form.appendChild(consentBox);
    form.appendChild(button);
    form.appendChild(status);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      status.textContent = "";
      fetch("api/sms", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ sender: sender, numero: number.value, consenso: consent.checked }),
        credentials: "same-origin",
        cache: "no-store",
      })
        .then(function (resp) {
          return resp.json().catch(function () { return null; }).then(function (data) {
            if (!resp.ok) {
              throw new ChatError(data && typeof data.errore === "string" ? data.errore : ERR_GENERIC);
            }
            status.textContent = data && typeof data.text === "string" ? data.text : "";
            number.value = "";
            number.disabled = true;
            consent.disabled = true;
          });
        })
        .catch(function (err) {
          button.disabled = false;
          status.textContent = err instanceof ChatError ? err.message : ERR_GENERIC;
        });
    });
    return form;
  }

  function setTopic(node, custom) {
    if (custom && typeof custom.topic === "string" && custom.topic && !node.dataset.topic) {
      node.dataset.topic = custom.topic;
    }
  }

  function addButtons(node, buttons) {
    var box = el("div", "scelte");
    buttons.forEach(function (btn) {
      var title = typeof btn.title === "string" && btn.title ? btn.title : String(btn.payload);
      var payload = typeof btn.payload === "string" && btn.payload ? btn.payload : title;
      var b = el("button", "scelta", title);
      b.type = "button";
      b.addEventListener("click", function () {
        send(payload, title, false);
      });
      box.appendChild(b);
    });
    node.appendChild(box);
  }

  /*
   * Il canale REST di Rasa spezza una risposta in piu' messaggi: i paragrafi del testo
   * (uno per "\n\n"), poi i pulsanti e infine, a parte, il payload "custom". Per questo
   * un messaggio solo-custom assegna topic e link al calendario ai fumetti precedenti
   * della stessa risposta che non ne hanno ancora uno.
   */
  function renderBotMessages(messages) {
    var added = [];
    var pending = [];
    messages.forEach(function (msg) {
      if (!msg || typeof msg !== "object") {
        return;
      }
      var text = typeof msg.text === "string" && msg.text.trim() ? msg.text : "";
      var buttons = Array.isArray(msg.buttons)
        ? msg.buttons.filter(function (b) {
            return b && typeof b === "object" &&
              ((typeof b.title === "string" && b.title) ||
               (typeof b.payload === "string" && b.payload));
          })
        : [];
      var custom = msg.custom && typeof msg.custom === "object" && !Array.isArray(msg.custom)
        ? msg.custom : null;
      var node;

      if (text || buttons.length) {
        node = el("div", "msg msg--bot");
        node.dataset.ruolo = "bot";
        if (text) {
          node.appendChild(renderMarkdown(text));
        }
        if (buttons.length) {
          addButtons(node, buttons);
        }
        log.appendChild(node);
        added.push(node);
        if (!custom) {
          pending.push(node);
          return;
        }
        setTopic(node, custom);
      }
      if (!custom) {
        return;
      }
      var targets = pending.concat(node ? [node] : []);
      if (!targets.length) {
        // custom da solo, senza testo prima: un fumetto solo se c'e' qualcosa da mostrare
        var marker = el("div", "msg msg--bot");
        marker.dataset.ruolo = "bot";
        if (!custom.ics) {
          marker.hidden = true;
        }
        log.appendChild(marker);
        added.push(marker);
        targets = [marker];
      }
      targets.forEach(function (t) {
        setTopic(t, custom);
      });
      if (custom.ics === true) {
        targets[targets.length - 1].appendChild(calendarLink());
      }
      if (custom.sms && typeof custom.sms === "object") {
        targets[targets.length - 1].appendChild(smsForm(custom.sms));
      }
      pending = [];
    });
    return added;
  }

  /* Mostra l'inizio della risposta (le risposte lunghe si leggono dall'alto), con sopra
     la domanda dell'utente quando c'e' (anchor). */
  function showNewMessages(nodes, anchor) {
    var first = null;
    for (var i = 0; i < nodes.length; i += 1) {
      if (!nodes[i].hidden) {
        first = nodes[i];
        break;
      }
    }
    if (!first) {
      return;
    }
    hideWelcome();
    var top = first.offsetTop - conversation.offsetTop - 12;
    if (anchor && first.offsetTop - anchor.offsetTop < conversation.clientHeight / 2) {
      top = anchor.offsetTop - conversation.offsetTop - 12;
    }
    conversation.scrollTop = Math.max(0, top);
  }

  function ChatError(message) {
    this.message = message;
  }

  function postMessage(text) {
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    return fetch("api/messaggio", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ sender: sender, message: text }),
      credentials: "same-origin",
      cache: "no-store",
      signal: controller ? controller.signal : undefined,
    })
      .then(function (resp) {
        return resp.json().catch(function () {
          return null;
        }).then(function (data) {
          if (!resp.ok) {
            throw new ChatError(data && typeof data.errore === "string" ? data.errore : ERR_GENERIC);
          }
          if (!Array.isArray(data)) {
            throw new ChatError(ERR_GENERIC);
          }
          return data;
        });
      })
      .finally(function () {
        if (timer) {
          clearTimeout(timer);
        }
      });
  }

  function autoresize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 4, 144) + "px";
  }

  /* text: cosa inviare; shown: cosa mostrare come messaggio dell'utente. */
  function send(text, shown, fromInput) {
    if (busy) {
      return;
    }
    var userNode = addUserMessage(shown);
    if (fromInput) {
      input.value = "";
      autoresize();
    }
    setBusy(true);
    postMessage(text)
      .then(function (data) {
        setBusy(false);
        if (!data.length) {
          addError(ERR_EMPTY_REPLY, null);
          return;
        }
        showNewMessages(renderBotMessages(data), userNode);
      })
      .catch(function (err) {
        setBusy(false);
        userNode.classList.add("msg--non-inviato");
        var message = err instanceof ChatError ? err.message : ERR_GENERIC;
        if (fromInput) {
          // niente va perso: il testo torna nel campo (se nel frattempo e' vuoto)
          if (!input.value.trim()) {
            input.value = text;
            autoresize();
            message += " " + KEPT;
          }
          addError(message, null);
        } else {
          addError(message, function () {
            send(text, shown, false);
          });
        }
      });
  }

  function onSubmit(event) {
    event.preventDefault();
    if (busy) {
      return;
    }
    var text = input.value.trim();
    if (!text) {
      input.focus();
      return;
    }
    if (Array.from(text).length > MAX_CHARS) {
      addError(ERR_TOO_LONG, null);
      return;
    }
    send(text, text, true);
  }

  function onKeyDown(event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      onSubmit(event);
    }
  }

  function loadNotices() {
    return fetch("api/promemoria/" + encodeURIComponent(sender), {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    })
      .then(function (resp) {
        return resp.ok ? resp.json() : [];
      })
      .then(function (data) {
        if (Array.isArray(data) && data.length) {
          showNewMessages(renderBotMessages(data));
        }
      })
      .catch(function () {
        /* i promemoria sono un di piu': se non arrivano la chat funziona lo stesso */
      });
  }

  function init() {
    sender = getSender();
    log = document.getElementById("messaggi");
    conversation = document.getElementById("conversazione");
    typing = document.getElementById("scrive");
    status = document.getElementById("stato");
    form = document.getElementById("composer");
    input = document.getElementById("testo");
    sendButton = document.getElementById("invia");
    welcome = document.getElementById("benvenuto");

    form.addEventListener("submit", onSubmit);
    input.addEventListener("keydown", onKeyDown);
    input.addEventListener("input", autoresize);
    document.documentElement.dataset.pronto = "1";
    loadNotices().then(function () {
      document.documentElement.dataset.promemoria = "1";
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
