// The basket without page loads: quantity changes are posted with fetch and the line, the
// subtotal and the header count are updated in place. Without JS the forms post normally.
(function () {
  "use strict";
  function show(error) {
    var box = document.querySelector('[data-testid="basket-error"]');
    if (!box) return;
    box.textContent = error || "";
    box.hidden = !error;
  }
  function apply(data) {
    var seen = {};
    data.lines.forEach(function (line) {
      seen[line.sku] = true;
      var row = document.querySelector('[data-testid="basket-line"][data-sku="' + line.sku + '"]');
      if (!row) return;
      row.querySelector('[data-testid="line-unit-price"]').textContent = line.unit_price;
      row.querySelector('[data-testid="line-total"]').textContent = line.line_total;
      row.querySelector('[data-testid="line-quantity"]').value = line.quantity;
    });
    document.querySelectorAll('[data-testid="basket-line"]').forEach(function (row) {
      if (!seen[row.dataset.sku]) row.remove();
    });
    var subtotal = document.querySelector('[data-testid="basket-subtotal"]');
    if (subtotal) subtotal.textContent = data.subtotal;
    var count = document.querySelector('[data-testid="basket-count"]');
    if (count) count.textContent = data.count;
    if (!data.lines.length) window.location.reload();
  }
  function send(form) {
    var body = new URLSearchParams(new FormData(form));
    document.body.dataset.basketBusy = "1";
    return fetch(form.action, {method: "POST", body: body, headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.ok) { show(""); apply(data); } else { show(data.error); }
      })
      .catch(function () { form.submit(); })
      .finally(function () { delete document.body.dataset.basketBusy; });
  }
  document.querySelectorAll(".line-form, .line-remove-form").forEach(function (form) {
    form.addEventListener("submit", function (event) { event.preventDefault(); send(form); });
  });
  document.querySelectorAll('.line-form [data-testid="line-quantity"]').forEach(function (input) {
    input.addEventListener("change", function () { send(input.form); });
  });
})();
