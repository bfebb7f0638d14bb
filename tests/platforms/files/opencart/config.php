<?php
// keepword's config.php for OpenCart (replaces the one the installer writes). Everything that
// differs between two running test stores comes from the environment that the pytest fixture
// gives `php -S`, so one installed copy serves any number of stores at once, each with its own
// port, database and storage folder (tests/platforms/opencart.py).
define('APPLICATION', 'Catalog');

define('HTTP_SERVER', getenv('KEEPWORD_OC_URL'));

define('DIR_OPENCART', __DIR__ . '/');
define('DIR_APPLICATION', DIR_OPENCART . 'catalog/');
define('DIR_SYSTEM', DIR_OPENCART . 'system/');
define('DIR_EXTENSION', DIR_OPENCART . 'extension/');
define('DIR_IMAGE', DIR_OPENCART . 'image/');
define('DIR_STORAGE', getenv('KEEPWORD_OC_STORAGE'));
define('DIR_LANGUAGE', DIR_APPLICATION . 'language/');
define('DIR_TEMPLATE', DIR_APPLICATION . 'view/template/');
define('DIR_CONFIG', DIR_SYSTEM . 'config/');
define('DIR_CACHE', DIR_STORAGE . 'cache/');
define('DIR_DOWNLOAD', DIR_STORAGE . 'download/');
define('DIR_LOGS', DIR_STORAGE . 'logs/');
define('DIR_SESSION', DIR_STORAGE . 'session/');
define('DIR_UPLOAD', DIR_STORAGE . 'upload/');

define('DB_DRIVER', 'mysqli');
define('DB_HOSTNAME', '127.0.0.1');
define('DB_USERNAME', 'opencart');
define('DB_PASSWORD', 'opencart');
define('DB_DATABASE', 'opencart');
define('DB_PREFIX', 'oc_');
define('DB_PORT', getenv('KEEPWORD_OC_DB_PORT'));

define('CACHE_ENGINE', 'file');
