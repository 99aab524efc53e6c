SELECT
  `t6`.`scope_type`,
  `t6`.`scope_id`,
  `t6`.`_p`,
  SUM(`t6`.`_rows`) AS `_rows`,
  SUM(`t6`.`leads__n`) AS `leads__n`,
  SUM(`t6`.`valid_leads__n`) AS `valid_leads__n`
FROM (
  SELECT
    `t5`.`_key`,
    `t5`.`_p`,
    `t5`.`_rows`,
    `t5`.`leads__n`,
    `t5`.`valid_leads__n`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t3`.`_key`,
      `t3`.`_p`,
      COUNT(*) AS `_rows`,
      COUNT(*) AS `leads__n`,
      SUM(CAST(`t3`.`valid` AS BIGINT)) AS `valid_leads__n`
    FROM (
      SELECT
        `t1`.`id`,
        `t1`.`source`,
        `t1`.`external_id`,
        `t1`.`account_id`,
        `t1`.`owner_id`,
        `t1`.`channel`,
        `t1`.`status`,
        `t1`.`valid`,
        `t1`.`created_at`,
        `t1`.`mql_at`,
        `t1`.`sql_at`,
        `t1`.`disqualified_at`,
        `t1`.`converted_at`,
        `t1`.`converted_deal_id`,
        CAST(DATE_TRUNC('month', `t1`.`created_at`) AS DATE) AS `_p`,
        COALESCE(`t1`.`owner_id`, -1) AS `_key`
      FROM `leads` AS `t1`
      WHERE
        `t1`.`created_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
        AND `t1`.`created_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t5`.`_key` = `t2`.`_key`
) AS `t6`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t5`.`scope_type`,
  `t5`.`scope_id`,
  `t5`.`_p`,
  COUNT(DISTINCT IF(`t5`.`valid`, `t5`.`channel`, NULL)) AS `x_channels_valid__v`
FROM (
  SELECT
    `t4`.`id`,
    `t4`.`source`,
    `t4`.`external_id`,
    `t4`.`account_id`,
    `t4`.`owner_id`,
    `t4`.`channel`,
    `t4`.`status`,
    `t4`.`valid`,
    `t4`.`created_at`,
    `t4`.`mql_at`,
    `t4`.`sql_at`,
    `t4`.`disqualified_at`,
    `t4`.`converted_at`,
    `t4`.`converted_deal_id`,
    `t4`.`_p`,
    `t4`.`_key`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t0`.`id`,
      `t0`.`source`,
      `t0`.`external_id`,
      `t0`.`account_id`,
      `t0`.`owner_id`,
      `t0`.`channel`,
      `t0`.`status`,
      `t0`.`valid`,
      `t0`.`created_at`,
      `t0`.`mql_at`,
      `t0`.`sql_at`,
      `t0`.`disqualified_at`,
      `t0`.`converted_at`,
      `t0`.`converted_deal_id`,
      CAST(DATE_TRUNC('month', `t0`.`created_at`) AS DATE) AS `_p`,
      COALESCE(`t0`.`owner_id`, -1) AS `_key`
    FROM `leads` AS `t0`
    WHERE
      `t0`.`created_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
      AND `t0`.`created_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
  ) AS `t4`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t4`.`_key` = `t2`.`_key`
) AS `t5`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t6`.`scope_type`,
  `t6`.`scope_id`,
  `t6`.`_p`,
  SUM(`t6`.`_rows`) AS `_rows`,
  SUM(`t6`.`mqls__n`) AS `mqls__n`
FROM (
  SELECT
    `t5`.`_key`,
    `t5`.`_p`,
    `t5`.`_rows`,
    `t5`.`mqls__n`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t3`.`_key`,
      `t3`.`_p`,
      COUNT(*) AS `_rows`,
      SUM(CAST(NOT (
        `t3`.`mql_at` IS NULL
      ) AS BIGINT)) AS `mqls__n`
    FROM (
      SELECT
        `t1`.`id`,
        `t1`.`source`,
        `t1`.`external_id`,
        `t1`.`account_id`,
        `t1`.`owner_id`,
        `t1`.`channel`,
        `t1`.`status`,
        `t1`.`valid`,
        `t1`.`created_at`,
        `t1`.`mql_at`,
        `t1`.`sql_at`,
        `t1`.`disqualified_at`,
        `t1`.`converted_at`,
        `t1`.`converted_deal_id`,
        CAST(DATE_TRUNC('month', `t1`.`mql_at`) AS DATE) AS `_p`,
        COALESCE(`t1`.`owner_id`, -1) AS `_key`
      FROM `leads` AS `t1`
      WHERE
        `t1`.`mql_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
        AND `t1`.`mql_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t5`.`_key` = `t2`.`_key`
) AS `t6`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t6`.`scope_type`,
  `t6`.`scope_id`,
  `t6`.`_p`,
  SUM(`t6`.`_rows`) AS `_rows`,
  SUM(`t6`.`sqls__n`) AS `sqls__n`,
  SUM(`t6`.`handoffs__n`) AS `handoffs__n`
FROM (
  SELECT
    `t5`.`_key`,
    `t5`.`_p`,
    `t5`.`_rows`,
    `t5`.`sqls__n`,
    `t5`.`handoffs__n`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t3`.`_key`,
      `t3`.`_p`,
      COUNT(*) AS `_rows`,
      SUM(CAST(NOT (
        `t3`.`sql_at` IS NULL
      ) AS BIGINT)) AS `sqls__n`,
      SUM(CAST(NOT (
        `t3`.`sql_at` IS NULL
      ) AS BIGINT)) AS `handoffs__n`
    FROM (
      SELECT
        `t1`.`id`,
        `t1`.`source`,
        `t1`.`external_id`,
        `t1`.`account_id`,
        `t1`.`owner_id`,
        `t1`.`channel`,
        `t1`.`status`,
        `t1`.`valid`,
        `t1`.`created_at`,
        `t1`.`mql_at`,
        `t1`.`sql_at`,
        `t1`.`disqualified_at`,
        `t1`.`converted_at`,
        `t1`.`converted_deal_id`,
        CAST(DATE_TRUNC('month', `t1`.`sql_at`) AS DATE) AS `_p`,
        COALESCE(`t1`.`owner_id`, -1) AS `_key`
      FROM `leads` AS `t1`
      WHERE
        `t1`.`sql_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
        AND `t1`.`sql_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t5`.`_key` = `t2`.`_key`
) AS `t6`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t6`.`scope_type`,
  `t6`.`scope_id`,
  `t6`.`_p`,
  SUM(`t6`.`_rows`) AS `_rows`,
  SUM(`t6`.`spend__s`) AS `spend__s`,
  SUM(`t6`.`spend__c`) AS `spend__c`
FROM (
  SELECT
    `t5`.`_key`,
    `t5`.`_p`,
    `t5`.`_rows`,
    `t5`.`spend__s`,
    `t5`.`spend__c`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t3`.`_key`,
      `t3`.`_p`,
      COUNT(*) AS `_rows`,
      SUM(`t3`.`amount`) AS `spend__s`,
      COUNT(`t3`.`amount`) AS `spend__c`
    FROM (
      SELECT
        `t1`.`id`,
        `t1`.`source`,
        `t1`.`external_id`,
        `t1`.`channel`,
        `t1`.`period_start`,
        `t1`.`period_end`,
        `t1`.`amount`,
        `t1`.`team_id`,
        DATE_TRUNC('month', `t1`.`period_start`) AS `_p`,
        COALESCE(`t1`.`team_id`, -1) AS `_key`
      FROM `spend` AS `t1`
      WHERE
        `t1`.`period_start` >= MAKE_DATE(2025, 4, 1)
        AND `t1`.`period_start` <= MAKE_DATE(2027, 3, 31)
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t5`.`_key` = `t2`.`_key`
) AS `t6`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t5`.`scope_type`,
  `t5`.`scope_id`,
  `t5`.`_p`,
  PERCENTILE(CAST(`t5`.`amount` AS DOUBLE), 0.5) AS `x_median_spend__v`
FROM (
  SELECT
    `t4`.`id`,
    `t4`.`source`,
    `t4`.`external_id`,
    `t4`.`channel`,
    `t4`.`period_start`,
    `t4`.`period_end`,
    `t4`.`amount`,
    `t4`.`team_id`,
    `t4`.`_p`,
    `t4`.`_key`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t0`.`id`,
      `t0`.`source`,
      `t0`.`external_id`,
      `t0`.`channel`,
      `t0`.`period_start`,
      `t0`.`period_end`,
      `t0`.`amount`,
      `t0`.`team_id`,
      DATE_TRUNC('month', `t0`.`period_start`) AS `_p`,
      COALESCE(`t0`.`team_id`, -1) AS `_key`
    FROM `spend` AS `t0`
    WHERE
      `t0`.`period_start` >= MAKE_DATE(2025, 4, 1)
      AND `t0`.`period_start` <= MAKE_DATE(2027, 3, 31)
  ) AS `t4`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t4`.`_key` = `t2`.`_key`
) AS `t5`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t6`.`scope_type`,
  `t6`.`scope_id`,
  `t6`.`_p`,
  SUM(`t6`.`_rows`) AS `_rows`,
  SUM(`t6`.`calls__n`) AS `calls__n`,
  SUM(`t6`.`connected_calls__n`) AS `connected_calls__n`,
  SUM(`t6`.`emails_sent__n`) AS `emails_sent__n`,
  SUM(`t6`.`emails_opened__n`) AS `emails_opened__n`,
  SUM(`t6`.`emails_replied__n`) AS `emails_replied__n`,
  SUM(`t6`.`entry_lag_hours__s`) AS `entry_lag_hours__s`,
  SUM(`t6`.`entry_lag_hours__c`) AS `entry_lag_hours__c`,
  SUM(`t6`.`immediate_entry_rate__s`) AS `immediate_entry_rate__s`,
  SUM(`t6`.`immediate_entry_rate__c`) AS `immediate_entry_rate__c`,
  SUM(`t6`.`appointments__n`) AS `appointments__n`,
  SUM(`t6`.`visits__n`) AS `visits__n`,
  SUM(`t6`.`web_meetings__n`) AS `web_meetings__n`,
  SUM(`t6`.`meetings__n`) AS `meetings__n`,
  SUM(`t6`.`avg_meeting_minutes__s`) AS `avg_meeting_minutes__s`,
  SUM(`t6`.`avg_meeting_minutes__c`) AS `avg_meeting_minutes__c`
FROM (
  SELECT
    `t5`.`_key`,
    `t5`.`_p`,
    `t5`.`_rows`,
    `t5`.`calls__n`,
    `t5`.`connected_calls__n`,
    `t5`.`emails_sent__n`,
    `t5`.`emails_opened__n`,
    `t5`.`emails_replied__n`,
    `t5`.`entry_lag_hours__s`,
    `t5`.`entry_lag_hours__c`,
    `t5`.`immediate_entry_rate__s`,
    `t5`.`immediate_entry_rate__c`,
    `t5`.`appointments__n`,
    `t5`.`visits__n`,
    `t5`.`web_meetings__n`,
    `t5`.`meetings__n`,
    `t5`.`avg_meeting_minutes__s`,
    `t5`.`avg_meeting_minutes__c`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t3`.`_key`,
      `t3`.`_p`,
      COUNT(*) AS `_rows`,
      SUM(CAST(`t3`.`type` = 'call' AS BIGINT)) AS `calls__n`,
      SUM(
        CAST((
          `t3`.`type` = 'call'
        ) AND `t3`.`outcome` IN ('connected', 'appointment') AS BIGINT)
      ) AS `connected_calls__n`,
      SUM(CAST(`t3`.`type` = 'email' AS BIGINT)) AS `emails_sent__n`,
      SUM(
        CAST((
          `t3`.`type` = 'email'
        ) AND `t3`.`outcome` IN ('opened', 'replied') AS BIGINT)
      ) AS `emails_opened__n`,
      SUM(CAST((
        `t3`.`type` = 'email'
      ) AND (
        `t3`.`outcome` = 'replied'
      ) AS BIGINT)) AS `emails_replied__n`,
      SUM(
        CAST(UNIX_TIMESTAMP(CAST(`t3`.`logged_at` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t3`.`occurred_at` AS TIMESTAMP)) AS DOUBLE)
      ) AS `entry_lag_hours__s`,
      COUNT(
        CAST(UNIX_TIMESTAMP(CAST(`t3`.`logged_at` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t3`.`occurred_at` AS TIMESTAMP)) AS DOUBLE)
      ) AS `entry_lag_hours__c`,
      SUM(
        CAST((
          `t3`.`entry_lag_hours` <= 1
        ) AND NOT (
          `t3`.`logged_at` IS NULL
        ) AS BIGINT)
      ) AS `immediate_entry_rate__s`,
      SUM(CAST(NOT (
        `t3`.`logged_at` IS NULL
      ) AS BIGINT)) AS `immediate_entry_rate__c`,
      SUM(CAST(`t3`.`outcome` = 'appointment' AS BIGINT)) AS `appointments__n`,
      SUM(CAST(`t3`.`type` = 'visit' AS BIGINT)) AS `visits__n`,
      SUM(CAST(`t3`.`type` = 'web_meeting' AS BIGINT)) AS `web_meetings__n`,
      SUM(CAST(`t3`.`type` IN ('visit', 'web_meeting') AS BIGINT)) AS `meetings__n`,
      SUM(IF(`t3`.`type` IN ('visit', 'web_meeting'), `t3`.`duration_minutes`, NULL)) AS `avg_meeting_minutes__s`,
      COUNT(IF(`t3`.`type` IN ('visit', 'web_meeting'), `t3`.`duration_minutes`, NULL)) AS `avg_meeting_minutes__c`
    FROM (
      SELECT
        `t1`.`id`,
        `t1`.`source`,
        `t1`.`external_id`,
        `t1`.`member_id`,
        `t1`.`type`,
        `t1`.`outcome`,
        `t1`.`lead_id`,
        `t1`.`deal_id`,
        `t1`.`account_id`,
        `t1`.`subject`,
        `t1`.`contact_id`,
        `t1`.`duration_minutes`,
        `t1`.`occurred_at`,
        `t1`.`logged_at`,
        CAST(UNIX_TIMESTAMP(CAST(`t1`.`logged_at` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t1`.`occurred_at` AS TIMESTAMP)) AS DOUBLE) / 3600.0 AS `entry_lag_hours`,
        CAST(DATE_TRUNC('month', `t1`.`occurred_at`) AS DATE) AS `_p`,
        COALESCE(`t1`.`member_id`, -1) AS `_key`
      FROM `activities` AS `t1`
      WHERE
        `t1`.`occurred_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
        AND `t1`.`occurred_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t5`.`_key` = `t2`.`_key`
) AS `t6`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t5`.`scope_type`,
  `t5`.`scope_id`,
  `t5`.`_p`,
  COUNT(DISTINCT `t5`.`account_id`) AS `x_accounts_touched__v`
FROM (
  SELECT
    `t4`.`id`,
    `t4`.`source`,
    `t4`.`external_id`,
    `t4`.`member_id`,
    `t4`.`type`,
    `t4`.`outcome`,
    `t4`.`lead_id`,
    `t4`.`deal_id`,
    `t4`.`account_id`,
    `t4`.`subject`,
    `t4`.`contact_id`,
    `t4`.`duration_minutes`,
    `t4`.`occurred_at`,
    `t4`.`logged_at`,
    `t4`.`entry_lag_hours`,
    `t4`.`_p`,
    `t4`.`_key`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t0`.`id`,
      `t0`.`source`,
      `t0`.`external_id`,
      `t0`.`member_id`,
      `t0`.`type`,
      `t0`.`outcome`,
      `t0`.`lead_id`,
      `t0`.`deal_id`,
      `t0`.`account_id`,
      `t0`.`subject`,
      `t0`.`contact_id`,
      `t0`.`duration_minutes`,
      `t0`.`occurred_at`,
      `t0`.`logged_at`,
      CAST(UNIX_TIMESTAMP(CAST(`t0`.`logged_at` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t0`.`occurred_at` AS TIMESTAMP)) AS DOUBLE) / 3600.0 AS `entry_lag_hours`,
      CAST(DATE_TRUNC('month', `t0`.`occurred_at`) AS DATE) AS `_p`,
      COALESCE(`t0`.`member_id`, -1) AS `_key`
    FROM `activities` AS `t0`
    WHERE
      `t0`.`occurred_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
      AND `t0`.`occurred_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
  ) AS `t4`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t4`.`_key` = `t2`.`_key`
) AS `t5`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t6`.`scope_type`,
  `t6`.`scope_id`,
  `t6`.`_p`,
  SUM(`t6`.`_rows`) AS `_rows`,
  SUM(`t6`.`deals_created__n`) AS `deals_created__n`,
  SUM(`t6`.`valid_deals__n`) AS `valid_deals__n`
FROM (
  SELECT
    `t5`.`_key`,
    `t5`.`_p`,
    `t5`.`_rows`,
    `t5`.`deals_created__n`,
    `t5`.`valid_deals__n`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t3`.`_key`,
      `t3`.`_p`,
      COUNT(*) AS `_rows`,
      COUNT(*) AS `deals_created__n`,
      SUM(CAST(`t3`.`valid` AS BIGINT)) AS `valid_deals__n`
    FROM (
      SELECT
        `t1`.`id`,
        `t1`.`source`,
        `t1`.`external_id`,
        `t1`.`name`,
        `t1`.`account_id`,
        `t1`.`owner_id`,
        `t1`.`product_id`,
        `t1`.`lead_id`,
        `t1`.`channel`,
        `t1`.`stage`,
        `t1`.`amount`,
        `t1`.`currency`,
        `t1`.`probability`,
        `t1`.`created_at`,
        `t1`.`expected_close_on`,
        `t1`.`closed_at`,
        `t1`.`is_closed`,
        `t1`.`is_won`,
        `t1`.`lost_reason`,
        `t1`.`valid`,
        `t1`.`source_member_id`,
        CAST(DATE_TRUNC('month', `t1`.`created_at`) AS DATE) AS `_p`,
        COALESCE(`t1`.`owner_id`, -1) AS `_key`
      FROM `deals` AS `t1`
      WHERE
        `t1`.`created_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
        AND `t1`.`created_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t5`.`_key` = `t2`.`_key`
) AS `t6`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t6`.`scope_type`,
  `t6`.`scope_id`,
  `t6`.`_p`,
  SUM(`t6`.`_rows`) AS `_rows`,
  SUM(`t6`.`deals_sourced__n`) AS `deals_sourced__n`
FROM (
  SELECT
    `t5`.`_key`,
    `t5`.`_p`,
    `t5`.`_rows`,
    `t5`.`deals_sourced__n`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t3`.`_key`,
      `t3`.`_p`,
      COUNT(*) AS `_rows`,
      COUNT(*) AS `deals_sourced__n`
    FROM (
      SELECT
        `t1`.`id`,
        `t1`.`source`,
        `t1`.`external_id`,
        `t1`.`name`,
        `t1`.`account_id`,
        `t1`.`owner_id`,
        `t1`.`product_id`,
        `t1`.`lead_id`,
        `t1`.`channel`,
        `t1`.`stage`,
        `t1`.`amount`,
        `t1`.`currency`,
        `t1`.`probability`,
        `t1`.`created_at`,
        `t1`.`expected_close_on`,
        `t1`.`closed_at`,
        `t1`.`is_closed`,
        `t1`.`is_won`,
        `t1`.`lost_reason`,
        `t1`.`valid`,
        `t1`.`source_member_id`,
        CAST(DATE_TRUNC('month', `t1`.`created_at`) AS DATE) AS `_p`,
        COALESCE(`t1`.`source_member_id`, -1) AS `_key`
      FROM `deals` AS `t1`
      WHERE
        `t1`.`created_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
        AND `t1`.`created_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t5`.`_key` = `t2`.`_key`
) AS `t6`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t10`.`scope_type`,
  `t10`.`scope_id`,
  `t10`.`_p`,
  SUM(`t10`.`_rows`) AS `_rows`,
  SUM(`t10`.`proposals__n`) AS `proposals__n`,
  SUM(`t10`.`x_stage_amount__s`) AS `x_stage_amount__s`,
  SUM(`t10`.`x_stage_amount__c`) AS `x_stage_amount__c`
FROM (
  SELECT
    `t9`.`_key`,
    `t9`.`_p`,
    `t9`.`_rows`,
    `t9`.`proposals__n`,
    `t9`.`x_stage_amount__s`,
    `t9`.`x_stage_amount__c`,
    `t3`.`scope_type`,
    `t3`.`scope_id`
  FROM (
    SELECT
      `t7`.`_key`,
      `t7`.`_p`,
      COUNT(*) AS `_rows`,
      SUM(CAST(`t7`.`stage` = '提案・見積' AS BIGINT)) AS `proposals__n`,
      SUM(`t7`.`amount`) AS `x_stage_amount__s`,
      COUNT(`t7`.`amount`) AS `x_stage_amount__c`
    FROM (
      SELECT
        `t6`.`id`,
        `t6`.`deal_id`,
        `t6`.`stage`,
        `t6`.`entered_at`,
        `t6`.`amount`,
        `t6`.`owner_id`,
        `t6`.`source_member_id`,
        `t6`.`account_id`,
        `t6`.`lead_id`,
        `t6`.`channel`,
        `t6`.`product_id`,
        `t6`.`is_won`,
        `t6`.`created_at`,
        CAST(DATE_TRUNC('month', `t6`.`entered_at`) AS DATE) AS `_p`,
        COALESCE(`t6`.`owner_id`, -1) AS `_key`
      FROM (
        SELECT
          `t4`.`id`,
          `t4`.`deal_id`,
          `t4`.`stage`,
          `t4`.`entered_at`,
          `t4`.`amount`,
          `t5`.`owner_id`,
          `t5`.`source_member_id`,
          `t5`.`account_id`,
          `t5`.`lead_id`,
          `t5`.`channel`,
          `t5`.`product_id`,
          `t5`.`is_won`,
          `t5`.`created_at`
        FROM `deal_stage_history` AS `t4`
        INNER JOIN `deals` AS `t5`
          ON `t4`.`deal_id` = `t5`.`id`
      ) AS `t6`
      WHERE
        `t6`.`entered_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
        AND `t6`.`entered_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
    ) AS `t7`
    GROUP BY
      1,
      2
  ) AS `t9`
  INNER JOIN `ibis_memtable_1` AS `t3`
    ON `t9`.`_key` = `t3`.`_key`
) AS `t10`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t9`.`scope_type`,
  `t9`.`scope_id`,
  `t9`.`_p`,
  COUNT(DISTINCT IF(`t9`.`stage` = '提案・見積', `t9`.`deal_id`, NULL)) AS `qualified_deals__v`
FROM (
  SELECT
    `t8`.`id`,
    `t8`.`deal_id`,
    `t8`.`stage`,
    `t8`.`entered_at`,
    `t8`.`amount`,
    `t8`.`owner_id`,
    `t8`.`source_member_id`,
    `t8`.`account_id`,
    `t8`.`lead_id`,
    `t8`.`channel`,
    `t8`.`product_id`,
    `t8`.`is_won`,
    `t8`.`created_at`,
    `t8`.`_p`,
    `t8`.`_key`,
    `t3`.`scope_type`,
    `t3`.`scope_id`
  FROM (
    SELECT
      `t6`.`id`,
      `t6`.`deal_id`,
      `t6`.`stage`,
      `t6`.`entered_at`,
      `t6`.`amount`,
      `t6`.`owner_id`,
      `t6`.`source_member_id`,
      `t6`.`account_id`,
      `t6`.`lead_id`,
      `t6`.`channel`,
      `t6`.`product_id`,
      `t6`.`is_won`,
      `t6`.`created_at`,
      CAST(DATE_TRUNC('month', `t6`.`entered_at`) AS DATE) AS `_p`,
      COALESCE(`t6`.`owner_id`, -1) AS `_key`
    FROM (
      SELECT
        `t4`.`id`,
        `t4`.`deal_id`,
        `t4`.`stage`,
        `t4`.`entered_at`,
        `t4`.`amount`,
        `t5`.`owner_id`,
        `t5`.`source_member_id`,
        `t5`.`account_id`,
        `t5`.`lead_id`,
        `t5`.`channel`,
        `t5`.`product_id`,
        `t5`.`is_won`,
        `t5`.`created_at`
      FROM `deal_stage_history` AS `t4`
      INNER JOIN `deals` AS `t5`
        ON `t4`.`deal_id` = `t5`.`id`
    ) AS `t6`
    WHERE
      `t6`.`entered_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
      AND `t6`.`entered_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
  ) AS `t8`
  INNER JOIN `ibis_memtable_1` AS `t3`
    ON `t8`.`_key` = `t3`.`_key`
) AS `t9`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t9`.`scope_type`,
  `t9`.`scope_id`,
  `t9`.`_p`,
  COUNT(DISTINCT IF(`t9`.`stage` = '初回訪問', `t9`.`deal_id`, NULL)) AS `first_meetings__v`
FROM (
  SELECT
    `t8`.`id`,
    `t8`.`deal_id`,
    `t8`.`stage`,
    `t8`.`entered_at`,
    `t8`.`amount`,
    `t8`.`owner_id`,
    `t8`.`source_member_id`,
    `t8`.`account_id`,
    `t8`.`lead_id`,
    `t8`.`channel`,
    `t8`.`product_id`,
    `t8`.`is_won`,
    `t8`.`created_at`,
    `t8`.`_p`,
    `t8`.`_key`,
    `t3`.`scope_type`,
    `t3`.`scope_id`
  FROM (
    SELECT
      `t6`.`id`,
      `t6`.`deal_id`,
      `t6`.`stage`,
      `t6`.`entered_at`,
      `t6`.`amount`,
      `t6`.`owner_id`,
      `t6`.`source_member_id`,
      `t6`.`account_id`,
      `t6`.`lead_id`,
      `t6`.`channel`,
      `t6`.`product_id`,
      `t6`.`is_won`,
      `t6`.`created_at`,
      CAST(DATE_TRUNC('month', `t6`.`entered_at`) AS DATE) AS `_p`,
      COALESCE(`t6`.`source_member_id`, -1) AS `_key`
    FROM (
      SELECT
        `t4`.`id`,
        `t4`.`deal_id`,
        `t4`.`stage`,
        `t4`.`entered_at`,
        `t4`.`amount`,
        `t5`.`owner_id`,
        `t5`.`source_member_id`,
        `t5`.`account_id`,
        `t5`.`lead_id`,
        `t5`.`channel`,
        `t5`.`product_id`,
        `t5`.`is_won`,
        `t5`.`created_at`
      FROM `deal_stage_history` AS `t4`
      INNER JOIN `deals` AS `t5`
        ON `t4`.`deal_id` = `t5`.`id`
    ) AS `t6`
    WHERE
      `t6`.`entered_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
      AND `t6`.`entered_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
  ) AS `t8`
  INNER JOIN `ibis_memtable_1` AS `t3`
    ON `t8`.`_key` = `t3`.`_key`
) AS `t9`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t6`.`scope_type`,
  `t6`.`scope_id`,
  `t6`.`_p`,
  SUM(`t6`.`_rows`) AS `_rows`,
  SUM(`t6`.`pipeline_amount__s`) AS `pipeline_amount__s`,
  SUM(`t6`.`pipeline_amount__c`) AS `pipeline_amount__c`
FROM (
  SELECT
    `t5`.`_key`,
    `t5`.`_p`,
    `t5`.`_rows`,
    `t5`.`pipeline_amount__s`,
    `t5`.`pipeline_amount__c`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t3`.`_key`,
      `t3`.`_p`,
      COUNT(*) AS `_rows`,
      SUM(IF(NOT (
        `t3`.`is_closed`
      ), `t3`.`amount`, NULL)) AS `pipeline_amount__s`,
      COUNT(IF(NOT (
        `t3`.`is_closed`
      ), `t3`.`amount`, NULL)) AS `pipeline_amount__c`
    FROM (
      SELECT
        `t1`.`id`,
        `t1`.`source`,
        `t1`.`external_id`,
        `t1`.`name`,
        `t1`.`account_id`,
        `t1`.`owner_id`,
        `t1`.`product_id`,
        `t1`.`lead_id`,
        `t1`.`channel`,
        `t1`.`stage`,
        `t1`.`amount`,
        `t1`.`currency`,
        `t1`.`probability`,
        `t1`.`created_at`,
        `t1`.`expected_close_on`,
        `t1`.`closed_at`,
        `t1`.`is_closed`,
        `t1`.`is_won`,
        `t1`.`lost_reason`,
        `t1`.`valid`,
        `t1`.`source_member_id`,
        DATE_TRUNC('month', `t1`.`expected_close_on`) AS `_p`,
        COALESCE(`t1`.`owner_id`, -1) AS `_key`
      FROM `deals` AS `t1`
      WHERE
        `t1`.`expected_close_on` >= MAKE_DATE(2025, 4, 1)
        AND `t1`.`expected_close_on` <= MAKE_DATE(2027, 3, 31)
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t5`.`_key` = `t2`.`_key`
) AS `t6`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t25`.`scope_type`,
  `t25`.`scope_id`,
  `t25`.`_p`,
  SUM(`t25`.`_rows`) AS `_rows`,
  SUM(`t25`.`won_deals__n`) AS `won_deals__n`,
  SUM(`t25`.`lost_deals__n`) AS `lost_deals__n`,
  SUM(`t25`.`closed_deals__n`) AS `closed_deals__n`,
  SUM(`t25`.`revenue__s`) AS `revenue__s`,
  SUM(`t25`.`revenue__c`) AS `revenue__c`,
  SUM(`t25`.`revenue_new__s`) AS `revenue_new__s`,
  SUM(`t25`.`revenue_new__c`) AS `revenue_new__c`,
  SUM(`t25`.`revenue_existing__s`) AS `revenue_existing__s`,
  SUM(`t25`.`revenue_existing__c`) AS `revenue_existing__c`,
  SUM(`t25`.`sales_cycle_days__s`) AS `sales_cycle_days__s`,
  SUM(`t25`.`sales_cycle_days__c`) AS `sales_cycle_days__c`,
  SUM(`t25`.`lead_to_won_days__s`) AS `lead_to_won_days__s`,
  SUM(`t25`.`lead_to_won_days__c`) AS `lead_to_won_days__c`
FROM (
  SELECT
    `t24`.`_key`,
    `t24`.`_p`,
    `t24`.`_rows`,
    `t24`.`won_deals__n`,
    `t24`.`lost_deals__n`,
    `t24`.`closed_deals__n`,
    `t24`.`revenue__s`,
    `t24`.`revenue__c`,
    `t24`.`revenue_new__s`,
    `t24`.`revenue_new__c`,
    `t24`.`revenue_existing__s`,
    `t24`.`revenue_existing__c`,
    `t24`.`sales_cycle_days__s`,
    `t24`.`sales_cycle_days__c`,
    `t24`.`lead_to_won_days__s`,
    `t24`.`lead_to_won_days__c`,
    `t4`.`scope_type`,
    `t4`.`scope_id`
  FROM (
    SELECT
      `t22`.`_key`,
      `t22`.`_p`,
      COUNT(*) AS `_rows`,
      SUM(CAST(`t22`.`is_won` AS BIGINT)) AS `won_deals__n`,
      SUM(CAST(`t22`.`is_closed` AND NOT (
        `t22`.`is_won`
      ) AS BIGINT)) AS `lost_deals__n`,
      SUM(CAST(`t22`.`is_closed` AS BIGINT)) AS `closed_deals__n`,
      SUM(IF(`t22`.`is_won`, `t22`.`amount`, NULL)) AS `revenue__s`,
      COUNT(IF(`t22`.`is_won`, `t22`.`amount`, NULL)) AS `revenue__c`,
      SUM(IF(`t22`.`is_won` AND (
        `t22`.`customer_type` = 'new'
      ), `t22`.`amount`, NULL)) AS `revenue_new__s`,
      COUNT(IF(`t22`.`is_won` AND (
        `t22`.`customer_type` = 'new'
      ), `t22`.`amount`, NULL)) AS `revenue_new__c`,
      SUM(
        IF(`t22`.`is_won` AND (
          `t22`.`customer_type` = 'existing'
        ), `t22`.`amount`, NULL)
      ) AS `revenue_existing__s`,
      COUNT(
        IF(`t22`.`is_won` AND (
          `t22`.`customer_type` = 'existing'
        ), `t22`.`amount`, NULL)
      ) AS `revenue_existing__c`,
      SUM(
        IF(
          `t22`.`is_won`,
          CAST(UNIX_TIMESTAMP(CAST(`t22`.`closed_at` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t22`.`created_at` AS TIMESTAMP)) AS DOUBLE),
          NULL
        )
      ) AS `sales_cycle_days__s`,
      COUNT(
        IF(
          `t22`.`is_won`,
          CAST(UNIX_TIMESTAMP(CAST(`t22`.`closed_at` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t22`.`created_at` AS TIMESTAMP)) AS DOUBLE),
          NULL
        )
      ) AS `sales_cycle_days__c`,
      SUM(
        IF(
          `t22`.`is_won` AND NOT (
            `t22`.`lead_id` IS NULL
          ),
          CAST(UNIX_TIMESTAMP(CAST(`t22`.`closed_at` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t22`.`lead__created_at` AS TIMESTAMP)) AS DOUBLE),
          NULL
        )
      ) AS `lead_to_won_days__s`,
      COUNT(
        IF(
          `t22`.`is_won` AND NOT (
            `t22`.`lead_id` IS NULL
          ),
          CAST(UNIX_TIMESTAMP(CAST(`t22`.`closed_at` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t22`.`lead__created_at` AS TIMESTAMP)) AS DOUBLE),
          NULL
        )
      ) AS `lead_to_won_days__c`
    FROM (
      SELECT
        `t21`.`id`,
        `t21`.`source`,
        `t21`.`external_id`,
        `t21`.`name`,
        `t21`.`account_id`,
        `t21`.`owner_id`,
        `t21`.`product_id`,
        `t21`.`lead_id`,
        `t21`.`channel`,
        `t21`.`stage`,
        `t21`.`amount`,
        `t21`.`currency`,
        `t21`.`probability`,
        `t21`.`created_at`,
        `t21`.`expected_close_on`,
        `t21`.`closed_at`,
        `t21`.`is_closed`,
        `t21`.`is_won`,
        `t21`.`lost_reason`,
        `t21`.`valid`,
        `t21`.`source_member_id`,
        `t21`.`lead__channel`,
        `t21`.`lead__created_at`,
        `t21`.`customer_type`,
        CAST(DATE_TRUNC('month', `t21`.`closed_at`) AS DATE) AS `_p`,
        COALESCE(`t21`.`owner_id`, -1) AS `_key`
      FROM (
        SELECT
          `t20`.`id`,
          `t20`.`source`,
          `t20`.`external_id`,
          `t20`.`name`,
          `t20`.`account_id`,
          `t20`.`owner_id`,
          `t20`.`product_id`,
          `t20`.`lead_id`,
          `t20`.`channel`,
          `t20`.`stage`,
          `t20`.`amount`,
          `t20`.`currency`,
          `t20`.`probability`,
          `t20`.`created_at`,
          `t20`.`expected_close_on`,
          `t20`.`closed_at`,
          `t20`.`is_closed`,
          `t20`.`is_won`,
          `t20`.`lost_reason`,
          `t20`.`valid`,
          `t20`.`source_member_id`,
          `t20`.`lead__channel`,
          `t20`.`lead__created_at`,
          `t20`.`customer_type`
        FROM (
          SELECT
            `t19`.`id`,
            `t19`.`source`,
            `t19`.`external_id`,
            `t19`.`name`,
            `t19`.`account_id`,
            `t19`.`owner_id`,
            `t19`.`product_id`,
            `t19`.`lead_id`,
            `t19`.`channel`,
            `t19`.`stage`,
            `t19`.`amount`,
            `t19`.`currency`,
            `t19`.`probability`,
            `t19`.`created_at`,
            `t19`.`expected_close_on`,
            `t19`.`closed_at`,
            `t19`.`is_closed`,
            `t19`.`is_won`,
            `t19`.`lost_reason`,
            `t19`.`valid`,
            `t19`.`source_member_id`,
            `t19`.`lead__channel`,
            `t19`.`lead__created_at`,
            `t19`.`_since`,
            IF(
              `t19`.`account_id` IS NULL,
              CAST(NULL AS STRING),
              IF(
                (
                  `t19`.`_since` IS NOT NULL
                ) AND (
                  `t19`.`_since` < `t19`.`created_at`
                ),
                'existing',
                'new'
              )
            ) AS `customer_type`
          FROM (
            SELECT
              `t18`.`id`,
              `t18`.`source`,
              `t18`.`external_id`,
              `t18`.`name`,
              `t18`.`account_id`,
              `t18`.`owner_id`,
              `t18`.`product_id`,
              `t18`.`lead_id`,
              `t18`.`channel`,
              `t18`.`stage`,
              `t18`.`amount`,
              `t18`.`currency`,
              `t18`.`probability`,
              `t18`.`created_at`,
              `t18`.`expected_close_on`,
              `t18`.`closed_at`,
              `t18`.`is_closed`,
              `t18`.`is_won`,
              `t18`.`lost_reason`,
              `t18`.`valid`,
              `t18`.`source_member_id`,
              `t18`.`lead__channel`,
              `t18`.`lead__created_at`,
              `t18`.`_since`
            FROM (
              SELECT
                `t15`.`id`,
                `t15`.`source`,
                `t15`.`external_id`,
                `t15`.`name`,
                `t15`.`account_id`,
                `t15`.`owner_id`,
                `t15`.`product_id`,
                `t15`.`lead_id`,
                `t15`.`channel`,
                `t15`.`stage`,
                `t15`.`amount`,
                `t15`.`currency`,
                `t15`.`probability`,
                `t15`.`created_at`,
                `t15`.`expected_close_on`,
                `t15`.`closed_at`,
                `t15`.`is_closed`,
                `t15`.`is_won`,
                `t15`.`lost_reason`,
                `t15`.`valid`,
                `t15`.`source_member_id`,
                `t15`.`lead__channel`,
                `t15`.`lead__created_at`,
                `t17`.`_aid`,
                `t17`.`_since`
              FROM (
                SELECT
                  `t11`.`id`,
                  `t11`.`source`,
                  `t11`.`external_id`,
                  `t11`.`name`,
                  `t11`.`account_id`,
                  `t11`.`owner_id`,
                  `t11`.`product_id`,
                  `t11`.`lead_id`,
                  `t11`.`channel`,
                  `t11`.`stage`,
                  `t11`.`amount`,
                  `t11`.`currency`,
                  `t11`.`probability`,
                  `t11`.`created_at`,
                  `t11`.`expected_close_on`,
                  `t11`.`closed_at`,
                  `t11`.`is_closed`,
                  `t11`.`is_won`,
                  `t11`.`lost_reason`,
                  `t11`.`valid`,
                  `t11`.`source_member_id`,
                  `t11`.`lead__channel`,
                  `t11`.`lead__created_at`
                FROM (
                  SELECT
                    `t5`.`id`,
                    `t5`.`source`,
                    `t5`.`external_id`,
                    `t5`.`name`,
                    `t5`.`account_id`,
                    `t5`.`owner_id`,
                    `t5`.`product_id`,
                    `t5`.`lead_id`,
                    `t5`.`channel`,
                    `t5`.`stage`,
                    `t5`.`amount`,
                    `t5`.`currency`,
                    `t5`.`probability`,
                    `t5`.`created_at`,
                    `t5`.`expected_close_on`,
                    `t5`.`closed_at`,
                    `t5`.`is_closed`,
                    `t5`.`is_won`,
                    `t5`.`lost_reason`,
                    `t5`.`valid`,
                    `t5`.`source_member_id`,
                    `t8`.`_rid`,
                    `t8`.`lead__channel`,
                    `t8`.`lead__created_at`
                  FROM `deals` AS `t5`
                  LEFT OUTER JOIN (
                    SELECT
                      `t2`.`id` AS `_rid`,
                      `t2`.`channel` AS `lead__channel`,
                      `t2`.`created_at` AS `lead__created_at`
                    FROM `leads` AS `t2`
                  ) AS `t8`
                    ON `t5`.`lead_id` = `t8`.`_rid`
                ) AS `t11`
              ) AS `t15`
              LEFT OUTER JOIN (
                SELECT
                  `t14`.`_aid`,
                  MIN(`t14`.`_first`) AS `_since`
                FROM (
                  SELECT
                    *
                  FROM (
                    SELECT
                      `t7`.`account_id` AS `_aid`,
                      MIN(`t7`.`closed_at`) AS `_first`
                    FROM (
                      SELECT
                        *
                      FROM `deals` AS `t1`
                      WHERE
                        `t1`.`is_won` AND `t1`.`closed_at` IS NOT NULL AND `t1`.`account_id` IS NOT NULL
                    ) AS `t7`
                    GROUP BY
                      1
                  ) AS `t10`
                  UNION ALL
                  SELECT
                    *
                  FROM (
                    SELECT
                      `t9`.`account_id` AS `_aid`,
                      CAST(MIN(`t9`.`start_on`) AS TIMESTAMP) AS `_first`
                    FROM (
                      SELECT
                        *
                      FROM `contracts` AS `t3`
                      WHERE
                        `t3`.`account_id` IS NOT NULL
                    ) AS `t9`
                    GROUP BY
                      1
                  ) AS `t12`
                ) AS `t14`
                GROUP BY
                  1
              ) AS `t17`
                ON `t15`.`account_id` = `t17`.`_aid`
            ) AS `t18`
          ) AS `t19`
        ) AS `t20`
      ) AS `t21`
      WHERE
        `t21`.`closed_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
        AND `t21`.`closed_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
    ) AS `t22`
    GROUP BY
      1,
      2
  ) AS `t24`
  INNER JOIN `ibis_memtable_1` AS `t4`
    ON `t24`.`_key` = `t4`.`_key`
) AS `t25`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t24`.`scope_type`,
  `t24`.`scope_id`,
  `t24`.`_p`,
  COUNT(DISTINCT IF(`t24`.`is_won`, `t24`.`account_id`, NULL)) AS `customers__v`,
  COUNT(
    DISTINCT IF(`t24`.`is_won` AND (
      `t24`.`customer_type` = 'new'
    ), `t24`.`account_id`, NULL)
  ) AS `new_customers__v`,
  COUNT(
    DISTINCT IF(
      `t24`.`is_won`
      AND (
        `t24`.`customer_type` = 'new'
      )
      AND (
        (
          `t24`.`channel` = 'referral'
        ) OR (
          `t24`.`lead__channel` = 'referral'
        )
      ),
      `t24`.`account_id`,
      NULL
    )
  ) AS `referral_customers__v`,
  COUNT(
    DISTINCT IF(
      `t24`.`is_won` AND (
        `t24`.`customer_type` = 'existing'
      ),
      `t24`.`account_id`,
      NULL
    )
  ) AS `repeat_customers__v`,
  PERCENTILE(IF(`t24`.`is_won`, CAST(`t24`.`amount` AS DOUBLE), CAST(NULL AS DOUBLE)), 0.5) AS `x_median_won_amount__v`,
  PERCENTILE(
    IF(
      `t24`.`is_won`,
      CAST(UNIX_TIMESTAMP(CAST(`t24`.`closed_at` AS TIMESTAMP)) - UNIX_TIMESTAMP(CAST(`t24`.`created_at` AS TIMESTAMP)) AS DOUBLE),
      CAST(NULL AS DOUBLE)
    ),
    0.5
  ) AS `x_median_cycle_days__v`
FROM (
  SELECT
    `t23`.`id`,
    `t23`.`source`,
    `t23`.`external_id`,
    `t23`.`name`,
    `t23`.`account_id`,
    `t23`.`owner_id`,
    `t23`.`product_id`,
    `t23`.`lead_id`,
    `t23`.`channel`,
    `t23`.`stage`,
    `t23`.`amount`,
    `t23`.`currency`,
    `t23`.`probability`,
    `t23`.`created_at`,
    `t23`.`expected_close_on`,
    `t23`.`closed_at`,
    `t23`.`is_closed`,
    `t23`.`is_won`,
    `t23`.`lost_reason`,
    `t23`.`valid`,
    `t23`.`source_member_id`,
    `t23`.`lead__channel`,
    `t23`.`lead__created_at`,
    `t23`.`customer_type`,
    `t23`.`_p`,
    `t23`.`_key`,
    `t4`.`scope_type`,
    `t4`.`scope_id`
  FROM (
    SELECT
      `t21`.`id`,
      `t21`.`source`,
      `t21`.`external_id`,
      `t21`.`name`,
      `t21`.`account_id`,
      `t21`.`owner_id`,
      `t21`.`product_id`,
      `t21`.`lead_id`,
      `t21`.`channel`,
      `t21`.`stage`,
      `t21`.`amount`,
      `t21`.`currency`,
      `t21`.`probability`,
      `t21`.`created_at`,
      `t21`.`expected_close_on`,
      `t21`.`closed_at`,
      `t21`.`is_closed`,
      `t21`.`is_won`,
      `t21`.`lost_reason`,
      `t21`.`valid`,
      `t21`.`source_member_id`,
      `t21`.`lead__channel`,
      `t21`.`lead__created_at`,
      `t21`.`customer_type`,
      CAST(DATE_TRUNC('month', `t21`.`closed_at`) AS DATE) AS `_p`,
      COALESCE(`t21`.`owner_id`, -1) AS `_key`
    FROM (
      SELECT
        `t20`.`id`,
        `t20`.`source`,
        `t20`.`external_id`,
        `t20`.`name`,
        `t20`.`account_id`,
        `t20`.`owner_id`,
        `t20`.`product_id`,
        `t20`.`lead_id`,
        `t20`.`channel`,
        `t20`.`stage`,
        `t20`.`amount`,
        `t20`.`currency`,
        `t20`.`probability`,
        `t20`.`created_at`,
        `t20`.`expected_close_on`,
        `t20`.`closed_at`,
        `t20`.`is_closed`,
        `t20`.`is_won`,
        `t20`.`lost_reason`,
        `t20`.`valid`,
        `t20`.`source_member_id`,
        `t20`.`lead__channel`,
        `t20`.`lead__created_at`,
        `t20`.`customer_type`
      FROM (
        SELECT
          `t19`.`id`,
          `t19`.`source`,
          `t19`.`external_id`,
          `t19`.`name`,
          `t19`.`account_id`,
          `t19`.`owner_id`,
          `t19`.`product_id`,
          `t19`.`lead_id`,
          `t19`.`channel`,
          `t19`.`stage`,
          `t19`.`amount`,
          `t19`.`currency`,
          `t19`.`probability`,
          `t19`.`created_at`,
          `t19`.`expected_close_on`,
          `t19`.`closed_at`,
          `t19`.`is_closed`,
          `t19`.`is_won`,
          `t19`.`lost_reason`,
          `t19`.`valid`,
          `t19`.`source_member_id`,
          `t19`.`lead__channel`,
          `t19`.`lead__created_at`,
          `t19`.`_since`,
          IF(
            `t19`.`account_id` IS NULL,
            CAST(NULL AS STRING),
            IF(
              (
                `t19`.`_since` IS NOT NULL
              ) AND (
                `t19`.`_since` < `t19`.`created_at`
              ),
              'existing',
              'new'
            )
          ) AS `customer_type`
        FROM (
          SELECT
            `t18`.`id`,
            `t18`.`source`,
            `t18`.`external_id`,
            `t18`.`name`,
            `t18`.`account_id`,
            `t18`.`owner_id`,
            `t18`.`product_id`,
            `t18`.`lead_id`,
            `t18`.`channel`,
            `t18`.`stage`,
            `t18`.`amount`,
            `t18`.`currency`,
            `t18`.`probability`,
            `t18`.`created_at`,
            `t18`.`expected_close_on`,
            `t18`.`closed_at`,
            `t18`.`is_closed`,
            `t18`.`is_won`,
            `t18`.`lost_reason`,
            `t18`.`valid`,
            `t18`.`source_member_id`,
            `t18`.`lead__channel`,
            `t18`.`lead__created_at`,
            `t18`.`_since`
          FROM (
            SELECT
              `t15`.`id`,
              `t15`.`source`,
              `t15`.`external_id`,
              `t15`.`name`,
              `t15`.`account_id`,
              `t15`.`owner_id`,
              `t15`.`product_id`,
              `t15`.`lead_id`,
              `t15`.`channel`,
              `t15`.`stage`,
              `t15`.`amount`,
              `t15`.`currency`,
              `t15`.`probability`,
              `t15`.`created_at`,
              `t15`.`expected_close_on`,
              `t15`.`closed_at`,
              `t15`.`is_closed`,
              `t15`.`is_won`,
              `t15`.`lost_reason`,
              `t15`.`valid`,
              `t15`.`source_member_id`,
              `t15`.`lead__channel`,
              `t15`.`lead__created_at`,
              `t17`.`_aid`,
              `t17`.`_since`
            FROM (
              SELECT
                `t11`.`id`,
                `t11`.`source`,
                `t11`.`external_id`,
                `t11`.`name`,
                `t11`.`account_id`,
                `t11`.`owner_id`,
                `t11`.`product_id`,
                `t11`.`lead_id`,
                `t11`.`channel`,
                `t11`.`stage`,
                `t11`.`amount`,
                `t11`.`currency`,
                `t11`.`probability`,
                `t11`.`created_at`,
                `t11`.`expected_close_on`,
                `t11`.`closed_at`,
                `t11`.`is_closed`,
                `t11`.`is_won`,
                `t11`.`lost_reason`,
                `t11`.`valid`,
                `t11`.`source_member_id`,
                `t11`.`lead__channel`,
                `t11`.`lead__created_at`
              FROM (
                SELECT
                  `t5`.`id`,
                  `t5`.`source`,
                  `t5`.`external_id`,
                  `t5`.`name`,
                  `t5`.`account_id`,
                  `t5`.`owner_id`,
                  `t5`.`product_id`,
                  `t5`.`lead_id`,
                  `t5`.`channel`,
                  `t5`.`stage`,
                  `t5`.`amount`,
                  `t5`.`currency`,
                  `t5`.`probability`,
                  `t5`.`created_at`,
                  `t5`.`expected_close_on`,
                  `t5`.`closed_at`,
                  `t5`.`is_closed`,
                  `t5`.`is_won`,
                  `t5`.`lost_reason`,
                  `t5`.`valid`,
                  `t5`.`source_member_id`,
                  `t8`.`_rid`,
                  `t8`.`lead__channel`,
                  `t8`.`lead__created_at`
                FROM `deals` AS `t5`
                LEFT OUTER JOIN (
                  SELECT
                    `t2`.`id` AS `_rid`,
                    `t2`.`channel` AS `lead__channel`,
                    `t2`.`created_at` AS `lead__created_at`
                  FROM `leads` AS `t2`
                ) AS `t8`
                  ON `t5`.`lead_id` = `t8`.`_rid`
              ) AS `t11`
            ) AS `t15`
            LEFT OUTER JOIN (
              SELECT
                `t14`.`_aid`,
                MIN(`t14`.`_first`) AS `_since`
              FROM (
                SELECT
                  *
                FROM (
                  SELECT
                    `t7`.`account_id` AS `_aid`,
                    MIN(`t7`.`closed_at`) AS `_first`
                  FROM (
                    SELECT
                      *
                    FROM `deals` AS `t1`
                    WHERE
                      `t1`.`is_won` AND `t1`.`closed_at` IS NOT NULL AND `t1`.`account_id` IS NOT NULL
                  ) AS `t7`
                  GROUP BY
                    1
                ) AS `t10`
                UNION ALL
                SELECT
                  *
                FROM (
                  SELECT
                    `t9`.`account_id` AS `_aid`,
                    CAST(MIN(`t9`.`start_on`) AS TIMESTAMP) AS `_first`
                  FROM (
                    SELECT
                      *
                    FROM `contracts` AS `t3`
                    WHERE
                      `t3`.`account_id` IS NOT NULL
                  ) AS `t9`
                  GROUP BY
                    1
                ) AS `t12`
              ) AS `t14`
              GROUP BY
                1
            ) AS `t17`
              ON `t15`.`account_id` = `t17`.`_aid`
          ) AS `t18`
        ) AS `t19`
      ) AS `t20`
    ) AS `t21`
    WHERE
      `t21`.`closed_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
      AND `t21`.`closed_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
  ) AS `t23`
  INNER JOIN `ibis_memtable_1` AS `t4`
    ON `t23`.`_key` = `t4`.`_key`
) AS `t24`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t6`.`scope_type`,
  `t6`.`scope_id`,
  `t6`.`_p`,
  SUM(`t6`.`_rows`) AS `_rows`,
  SUM(`t6`.`won_sourced__n`) AS `won_sourced__n`,
  SUM(`t6`.`revenue_sourced__s`) AS `revenue_sourced__s`,
  SUM(`t6`.`revenue_sourced__c`) AS `revenue_sourced__c`
FROM (
  SELECT
    `t5`.`_key`,
    `t5`.`_p`,
    `t5`.`_rows`,
    `t5`.`won_sourced__n`,
    `t5`.`revenue_sourced__s`,
    `t5`.`revenue_sourced__c`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t3`.`_key`,
      `t3`.`_p`,
      COUNT(*) AS `_rows`,
      SUM(CAST(`t3`.`is_won` AS BIGINT)) AS `won_sourced__n`,
      SUM(IF(`t3`.`is_won`, `t3`.`amount`, NULL)) AS `revenue_sourced__s`,
      COUNT(IF(`t3`.`is_won`, `t3`.`amount`, NULL)) AS `revenue_sourced__c`
    FROM (
      SELECT
        `t1`.`id`,
        `t1`.`source`,
        `t1`.`external_id`,
        `t1`.`name`,
        `t1`.`account_id`,
        `t1`.`owner_id`,
        `t1`.`product_id`,
        `t1`.`lead_id`,
        `t1`.`channel`,
        `t1`.`stage`,
        `t1`.`amount`,
        `t1`.`currency`,
        `t1`.`probability`,
        `t1`.`created_at`,
        `t1`.`expected_close_on`,
        `t1`.`closed_at`,
        `t1`.`is_closed`,
        `t1`.`is_won`,
        `t1`.`lost_reason`,
        `t1`.`valid`,
        `t1`.`source_member_id`,
        CAST(DATE_TRUNC('month', `t1`.`closed_at`) AS DATE) AS `_p`,
        COALESCE(`t1`.`source_member_id`, -1) AS `_key`
      FROM `deals` AS `t1`
      WHERE
        `t1`.`closed_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
        AND `t1`.`closed_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t5`.`_key` = `t2`.`_key`
) AS `t6`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t10`.`scope_type`,
  `t10`.`scope_id`,
  `t10`.`_p`,
  SUM(`t10`.`_rows`) AS `_rows`,
  SUM(`t10`.`active_contracts__n`) AS `active_contracts__n`
FROM (
  SELECT
    `t9`.`_key`,
    `t9`.`_p`,
    `t9`.`_rows`,
    `t9`.`active_contracts__n`,
    `t3`.`scope_type`,
    `t3`.`scope_id`
  FROM (
    SELECT
      `t7`.`_key`,
      `t7`.`_p`,
      COUNT(*) AS `_rows`,
      COUNT(*) AS `active_contracts__n`
    FROM (
      SELECT
        `t6`.`id`,
        `t6`.`source`,
        `t6`.`external_id`,
        `t6`.`account_id`,
        `t6`.`deal_id`,
        `t6`.`owner_id`,
        `t6`.`start_on`,
        `t6`.`end_on`,
        `t6`.`mrr`,
        `t6`.`status`,
        `t6`.`churned_on`,
        `t6`.`renewed`,
        `t6`.`expansion`,
        `t6`.`_p`,
        `t6`.`_e`,
        COALESCE(`t6`.`owner_id`, -1) AS `_key`
      FROM (
        SELECT
          `t4`.`id`,
          `t4`.`source`,
          `t4`.`external_id`,
          `t4`.`account_id`,
          `t4`.`deal_id`,
          `t4`.`owner_id`,
          `t4`.`start_on`,
          `t4`.`end_on`,
          `t4`.`mrr`,
          `t4`.`status`,
          `t4`.`churned_on`,
          `t4`.`renewed`,
          `t4`.`expansion`,
          `t5`.`_p`,
          `t5`.`_e`
        FROM `contracts` AS `t4`
        CROSS JOIN `ibis_memtable_1` AS `t5`
      ) AS `t6`
      WHERE
        `t6`.`start_on` <= `t6`.`_e`
        AND (
          (
            `t6`.`end_on` IS NULL
          ) OR (
            `t6`.`end_on` > `t6`.`_e`
          )
        )
    ) AS `t7`
    GROUP BY
      1,
      2
  ) AS `t9`
  INNER JOIN `ibis_memtable_2` AS `t3`
    ON `t9`.`_key` = `t3`.`_key`
) AS `t10`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t10`.`scope_type`,
  `t10`.`scope_id`,
  `t10`.`_p`,
  SUM(`t10`.`_rows`) AS `_rows`,
  SUM(`t10`.`mrr__s`) AS `mrr__s`,
  SUM(`t10`.`mrr__c`) AS `mrr__c`
FROM (
  SELECT
    `t9`.`_key`,
    `t9`.`_p`,
    `t9`.`_rows`,
    `t9`.`mrr__s`,
    `t9`.`mrr__c`,
    `t3`.`scope_type`,
    `t3`.`scope_id`
  FROM (
    SELECT
      `t7`.`_key`,
      `t7`.`_p`,
      COUNT(*) AS `_rows`,
      SUM(`t7`.`mrr`) AS `mrr__s`,
      COUNT(`t7`.`mrr`) AS `mrr__c`
    FROM (
      SELECT
        `t6`.`id`,
        `t6`.`source`,
        `t6`.`external_id`,
        `t6`.`account_id`,
        `t6`.`deal_id`,
        `t6`.`owner_id`,
        `t6`.`start_on`,
        `t6`.`end_on`,
        `t6`.`mrr`,
        `t6`.`status`,
        `t6`.`churned_on`,
        `t6`.`renewed`,
        `t6`.`expansion`,
        `t6`.`_p`,
        `t6`.`_e`,
        COALESCE(`t6`.`owner_id`, -1) AS `_key`
      FROM (
        SELECT
          `t4`.`id`,
          `t4`.`source`,
          `t4`.`external_id`,
          `t4`.`account_id`,
          `t4`.`deal_id`,
          `t4`.`owner_id`,
          `t4`.`start_on`,
          `t4`.`end_on`,
          `t4`.`mrr`,
          `t4`.`status`,
          `t4`.`churned_on`,
          `t4`.`renewed`,
          `t4`.`expansion`,
          `t5`.`_p`,
          `t5`.`_e`
        FROM `contracts` AS `t4`
        CROSS JOIN `ibis_memtable_1` AS `t5`
      ) AS `t6`
      WHERE
        `t6`.`start_on` <= `t6`.`_e`
        AND (
          (
            `t6`.`end_on` IS NULL
          ) OR (
            `t6`.`end_on` > `t6`.`_e`
          )
        )
    ) AS `t7`
    GROUP BY
      1,
      2
  ) AS `t9`
  INNER JOIN `ibis_memtable_2` AS `t3`
    ON `t9`.`_key` = `t3`.`_key`
) AS `t10`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t6`.`scope_type`,
  `t6`.`scope_id`,
  `t6`.`_p`,
  SUM(`t6`.`_rows`) AS `_rows`,
  SUM(`t6`.`new_contracts__n`) AS `new_contracts__n`,
  SUM(`t6`.`expansion_contracts__n`) AS `expansion_contracts__n`,
  SUM(`t6`.`x_mean_new_mrr__s`) AS `x_mean_new_mrr__s`,
  SUM(`t6`.`x_mean_new_mrr__c`) AS `x_mean_new_mrr__c`
FROM (
  SELECT
    `t5`.`_key`,
    `t5`.`_p`,
    `t5`.`_rows`,
    `t5`.`new_contracts__n`,
    `t5`.`expansion_contracts__n`,
    `t5`.`x_mean_new_mrr__s`,
    `t5`.`x_mean_new_mrr__c`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t3`.`_key`,
      `t3`.`_p`,
      COUNT(*) AS `_rows`,
      COUNT(*) AS `new_contracts__n`,
      SUM(CAST(`t3`.`expansion` AS BIGINT)) AS `expansion_contracts__n`,
      SUM(`t3`.`mrr`) AS `x_mean_new_mrr__s`,
      COUNT(`t3`.`mrr`) AS `x_mean_new_mrr__c`
    FROM (
      SELECT
        `t1`.`id`,
        `t1`.`source`,
        `t1`.`external_id`,
        `t1`.`account_id`,
        `t1`.`deal_id`,
        `t1`.`owner_id`,
        `t1`.`start_on`,
        `t1`.`end_on`,
        `t1`.`mrr`,
        `t1`.`status`,
        `t1`.`churned_on`,
        `t1`.`renewed`,
        `t1`.`expansion`,
        DATE_TRUNC('month', `t1`.`start_on`) AS `_p`,
        COALESCE(`t1`.`owner_id`, -1) AS `_key`
      FROM `contracts` AS `t1`
      WHERE
        `t1`.`start_on` >= MAKE_DATE(2025, 4, 1)
        AND `t1`.`start_on` <= MAKE_DATE(2027, 3, 31)
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t5`.`_key` = `t2`.`_key`
) AS `t6`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t6`.`scope_type`,
  `t6`.`scope_id`,
  `t6`.`_p`,
  SUM(`t6`.`_rows`) AS `_rows`,
  SUM(`t6`.`ended_contracts__n`) AS `ended_contracts__n`
FROM (
  SELECT
    `t5`.`_key`,
    `t5`.`_p`,
    `t5`.`_rows`,
    `t5`.`ended_contracts__n`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t3`.`_key`,
      `t3`.`_p`,
      COUNT(*) AS `_rows`,
      COUNT(*) AS `ended_contracts__n`
    FROM (
      SELECT
        `t1`.`id`,
        `t1`.`source`,
        `t1`.`external_id`,
        `t1`.`account_id`,
        `t1`.`deal_id`,
        `t1`.`owner_id`,
        `t1`.`start_on`,
        `t1`.`end_on`,
        `t1`.`mrr`,
        `t1`.`status`,
        `t1`.`churned_on`,
        `t1`.`renewed`,
        `t1`.`expansion`,
        DATE_TRUNC('month', `t1`.`end_on`) AS `_p`,
        COALESCE(`t1`.`owner_id`, -1) AS `_key`
      FROM `contracts` AS `t1`
      WHERE
        `t1`.`end_on` >= MAKE_DATE(2025, 4, 1)
        AND `t1`.`end_on` <= MAKE_DATE(2027, 3, 31)
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t5`.`_key` = `t2`.`_key`
) AS `t6`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t6`.`scope_type`,
  `t6`.`scope_id`,
  `t6`.`_p`,
  SUM(`t6`.`_rows`) AS `_rows`,
  SUM(`t6`.`churned_contracts__n`) AS `churned_contracts__n`
FROM (
  SELECT
    `t5`.`_key`,
    `t5`.`_p`,
    `t5`.`_rows`,
    `t5`.`churned_contracts__n`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t3`.`_key`,
      `t3`.`_p`,
      COUNT(*) AS `_rows`,
      SUM(CAST(NOT (
        `t3`.`churned_on` IS NULL
      ) AS BIGINT)) AS `churned_contracts__n`
    FROM (
      SELECT
        `t1`.`id`,
        `t1`.`source`,
        `t1`.`external_id`,
        `t1`.`account_id`,
        `t1`.`deal_id`,
        `t1`.`owner_id`,
        `t1`.`start_on`,
        `t1`.`end_on`,
        `t1`.`mrr`,
        `t1`.`status`,
        `t1`.`churned_on`,
        `t1`.`renewed`,
        `t1`.`expansion`,
        DATE_TRUNC('month', `t1`.`churned_on`) AS `_p`,
        COALESCE(`t1`.`owner_id`, -1) AS `_key`
      FROM `contracts` AS `t1`
      WHERE
        `t1`.`churned_on` >= MAKE_DATE(2025, 4, 1)
        AND `t1`.`churned_on` <= MAKE_DATE(2027, 3, 31)
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t5`.`_key` = `t2`.`_key`
) AS `t6`
GROUP BY
  1,
  2,
  3
;

SELECT
  `t6`.`scope_type`,
  `t6`.`scope_id`,
  `t6`.`_p`,
  SUM(`t6`.`_rows`) AS `_rows`,
  SUM(`t6`.`nps_responses__n`) AS `nps_responses__n`,
  SUM(`t6`.`nps_promoters__n`) AS `nps_promoters__n`,
  SUM(`t6`.`nps_detractors__n`) AS `nps_detractors__n`,
  SUM(`t6`.`csat__s`) AS `csat__s`,
  SUM(`t6`.`csat__c`) AS `csat__c`,
  SUM(`t6`.`referrals__n`) AS `referrals__n`,
  SUM(`t6`.`complaints__n`) AS `complaints__n`
FROM (
  SELECT
    `t5`.`_key`,
    `t5`.`_p`,
    `t5`.`_rows`,
    `t5`.`nps_responses__n`,
    `t5`.`nps_promoters__n`,
    `t5`.`nps_detractors__n`,
    `t5`.`csat__s`,
    `t5`.`csat__c`,
    `t5`.`referrals__n`,
    `t5`.`complaints__n`,
    `t2`.`scope_type`,
    `t2`.`scope_id`
  FROM (
    SELECT
      `t3`.`_key`,
      `t3`.`_p`,
      COUNT(*) AS `_rows`,
      SUM(CAST(`t3`.`kind` = 'nps' AS BIGINT)) AS `nps_responses__n`,
      SUM(CAST((
        `t3`.`kind` = 'nps'
      ) AND (
        `t3`.`score` >= 9
      ) AS BIGINT)) AS `nps_promoters__n`,
      SUM(CAST((
        `t3`.`kind` = 'nps'
      ) AND (
        `t3`.`score` <= 6
      ) AS BIGINT)) AS `nps_detractors__n`,
      SUM(IF(`t3`.`kind` = 'csat', `t3`.`score`, NULL)) AS `csat__s`,
      COUNT(IF(`t3`.`kind` = 'csat', `t3`.`score`, NULL)) AS `csat__c`,
      SUM(CAST(`t3`.`referral` AS BIGINT)) AS `referrals__n`,
      SUM(CAST(`t3`.`complaint` AS BIGINT)) AS `complaints__n`
    FROM (
      SELECT
        `t1`.`id`,
        `t1`.`source`,
        `t1`.`external_id`,
        `t1`.`account_id`,
        `t1`.`owner_id`,
        `t1`.`kind`,
        `t1`.`score`,
        `t1`.`answered_at`,
        `t1`.`referral`,
        `t1`.`complaint`,
        CAST(DATE_TRUNC('month', `t1`.`answered_at`) AS DATE) AS `_p`,
        COALESCE(`t1`.`owner_id`, -1) AS `_key`
      FROM `surveys` AS `t1`
      WHERE
        `t1`.`answered_at` >= CAST('2025-04-01T00:00:00' AS TIMESTAMP)
        AND `t1`.`answered_at` < CAST('2027-04-01T00:00:00' AS TIMESTAMP)
    ) AS `t3`
    GROUP BY
      1,
      2
  ) AS `t5`
  INNER JOIN `ibis_memtable_1` AS `t2`
    ON `t5`.`_key` = `t2`.`_key`
) AS `t6`
GROUP BY
  1,
  2,
  3
;
