// Interface text for the scripts. The server writes each message, already translated into
// the page's language, into a data-* attribute of the element a script enhances, with
// %(name)s placeholders; this fills them, writes numbers as the page's language does, and
// picks a counted message's form by the language's plural rules (forms from the server).
(function () {
  "use strict";
  if (window.courseworkText) return; // included beside each script that needs it
  var lang = document.documentElement.lang || "en";
  var plurals = new Intl.PluralRules(lang);
  var formats = {};
  window.courseworkText = {
    // A number in the page's language: 1,234 · 1 234; `digits` pads with zeros (05).
    number: function (value, digits) {
      var key = digits || 1;
      if (!formats[key]) formats[key] = new Intl.NumberFormat(lang, { minimumIntegerDigits: key });
      return formats[key].format(value);
    },
    fill: function (message, values) {
      return String(message || "").replace(/%\((\w+)\)s/g, function (whole, name) {
        return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
      });
    },
    // `forms` maps CLDR plural categories ("one", "few", "other"...) to messages.
    plural: function (forms, count) {
      return forms[plurals.select(count)] || forms.other;
    },
  };
})();
