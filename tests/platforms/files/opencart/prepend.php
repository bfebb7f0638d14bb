<?php
// keepword's auto_prepend_file for OpenCart under `php -S` (tests/platforms/opencart.py): a switch
// that makes chosen routes fail as a broken server would, so that tests can see a store error.
// The file named by KEEPWORD_OC_FAIL_FILE holds lines "ROUTE STATUS" ("checkout/cart 500"); a
// route matches itself and its methods ("checkout/cart" also fails "checkout/cart.add"). Absent
// file: no effect. Static files (images, CSS, JS) never run PHP, so they never fail.
$keepword_fail_file = getenv('KEEPWORD_OC_FAIL_FILE');
if ($keepword_fail_file && is_file($keepword_fail_file)) {
	$keepword_route = isset($_GET['route']) ? (string)$_GET['route'] : 'common/home';
	foreach (file($keepword_fail_file, FILE_IGNORE_NEW_LINES | FILE_SKIP_EMPTY_LINES) as $keepword_line) {
		$keepword_rule = preg_split('/\s+/', trim($keepword_line));
		if ($keepword_rule[0] === $keepword_route || str_starts_with($keepword_route, $keepword_rule[0] . '.')) {
			http_response_code((int)($keepword_rule[1] ?? 500));
			header('Content-Type: text/html; charset=utf-8');
			echo "<!DOCTYPE html><html><head><title>Internal Server Error</title></head>"
				. "<body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p></body></html>";
			exit;
		}
	}
}
